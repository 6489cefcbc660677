"""Write N generated images (the evaluation protocol's samples) as PNGs, resumably.

Sample ``i`` is the image of the ``i``-th item of the config's test set looped as in
``LoopedCaptionDataset`` (rounds over the test images, one seeded random caption each: the
same plan as ``tools/test.py``), generated from noise seeded by ``(--seed, i)``. Files:

- ``OUT_DIR/000000.png`` ... (``{i:06d}.png``), 8-bit RGB, written atomically;
- ``OUT_DIR/index.jsonl``: one JSON line per written image (``index``, ``file``, ``prompt``,
  ``img_key``, ``caption_index``, ``class_id``), appended after each batch's images;
- ``OUT_DIR/generate_meta.json``: the settings an interrupted run must be resumed with.

Run it again with the same arguments (``--num-images`` may grow) to resume: images already
written and listed in the index are skipped; the rest come out identical to an uninterrupted
run (batches always cover the same indices ``[k·B, (k+1)·B)``, so with the same
``--batch-size`` even the floating-point order is the same).

Examples:
    python tools/generate.py configs/dmgan_cub.py work_dirs/dmgan_cub/iter_100000.pth \\
        --out-dir work_dirs/dmgan_cub/samples30k
    python tools/generate.py CONFIG CKPT --out-dir D --num-images 600 --sample-model orig
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from PIL import Image

import mmdmgan  # noqa: F401  (registration; MMEngine reads checkpoints safely)
from mmdmgan.apis import init_full_model
from mmdmgan.registry import DATASETS
from mmdmgan.utils import atomic_write, atomic_write_bytes, to_uint8
from mmdmgan.utils.cli import run_cli

INDEX_FILE = 'index.jsonl'
META_FILE = 'generate_meta.json'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate evaluation images as PNG files')
    parser.add_argument('config', help='config with model and test_dataloader')
    parser.add_argument('checkpoint', help='DM-GAN checkpoint (with the DAMSM encoders)')
    parser.add_argument('--out-dir', required=True, help='folder of the PNGs and the index')
    parser.add_argument('--num-images', type=int, default=30000, help='number of images')
    parser.add_argument('--batch-size', type=int, default=16, help='images per forward pass')
    parser.add_argument('--seed', type=int, default=0, help='seed of the per-image noise')
    parser.add_argument('--sample-model', choices=['ema', 'orig'], default=None,
                        help='generator to sample from (default: ema when the model has one)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--num-workers', type=int, default=2, help='data loading workers')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, key=value pairs')
    args = parser.parse_args()
    if args.num_images < 1 or args.batch_size < 1:
        parser.error('--num-images and --batch-size must be positive')
    return args


def build_dataset(cfg: Config, num_samples: int):
    """The config's test set, looped to ``num_samples`` items (LoopedCaptionDataset)."""
    if cfg.get('test_dataloader') is None:
        raise ValueError('the config has no test_dataloader (the captions to generate from)')
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    if dataset_cfg.get('type') == 'LoopedCaptionDataset':
        dataset_cfg.num_samples = num_samples
    else:
        dataset_cfg = dict(type='LoopedCaptionDataset', dataset=dataset_cfg,
                           num_samples=num_samples)
    return DATASETS.build(dataset_cfg)


def image_file(index: int) -> str:
    return f'{index:06d}.png'


def read_index(out_dir: str) -> Dict[int, dict]:
    """Records of finished images: listed in the index and present on disk.

    A line cut by an interruption is dropped; the index is then rewritten atomically so that
    new lines are appended after a complete one.
    """
    path = osp.join(out_dir, INDEX_FILE)
    if not osp.isfile(path):
        return {}
    with open(path, encoding='utf-8') as file:
        text = file.read()
    records, clean = {}, True
    for line in text.splitlines():
        try:
            record = json.loads(line)
            index = int(record['index'])
        except (ValueError, KeyError, TypeError):
            clean = False
            continue
        if osp.isfile(osp.join(out_dir, image_file(index))):
            records[index] = record
        else:
            clean = False
    if not clean or (text and not text.endswith('\n')):
        write_index(out_dir, records)
    return records


def write_index(out_dir: str, records: Dict[int, dict]) -> None:
    lines = ''.join(json.dumps(records[index]) + '\n' for index in sorted(records))
    atomic_write_bytes(osp.join(out_dir, INDEX_FILE), lines)


def append_index(out_dir: str, records: List[dict]) -> None:
    # One write per batch; read_index discards a line cut by a crash.
    with open(osp.join(out_dir, INDEX_FILE), 'a', encoding='utf-8') as file:
        file.write(''.join(json.dumps(record) + '\n' for record in records))
        file.flush()
        os.fsync(file.fileno())


def check_meta(out_dir: str, meta: dict) -> None:
    """Refuse to resume a folder made with other settings (the images would not match)."""
    path = osp.join(out_dir, META_FILE)
    if osp.isfile(path):
        with open(path, encoding='utf-8') as file:
            previous = json.load(file)
        different = {key: (previous.get(key), value) for key, value in meta.items()
                     if previous.get(key) != value}
        if different:
            raise ValueError(f'{out_dir} holds images generated with other settings '
                             f'(setting: (before, now)) {different}; use another --out-dir or '
                             'the same settings')
    else:
        atomic_write_bytes(path, json.dumps(meta, indent=2))


def save_png(path: str, image: np.ndarray) -> None:
    atomic_write(path, lambda tmp_path: Image.fromarray(image).save(tmp_path, format='PNG'))


def main() -> None:
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdmgan'))
    os.makedirs(args.out_dir, exist_ok=True)
    check_meta(args.out_dir, dict(config=osp.abspath(args.config),
                                  checkpoint=osp.abspath(args.checkpoint), seed=args.seed,
                                  sample_model=args.sample_model, batch_size=args.batch_size,
                                  cfg_options=args.cfg_options))

    done = read_index(args.out_dir)
    batch_size = args.batch_size
    # Whole batches [k·B, (k+1)·B), also past num_images, so every batch holds the same
    # samples whatever num_images and interruptions were.
    num_batches = -(-args.num_images // batch_size)
    batches = [list(range(k * batch_size, (k + 1) * batch_size)) for k in range(num_batches)]
    batches = [batch for batch in batches
               if any(i < args.num_images and i not in done for i in batch)]
    todo = sum(1 for batch in batches for i in batch if i < args.num_images and i not in done)
    print(f'{len(done)} images already in {args.out_dir}; generating {todo} more')
    if not batches:
        return

    model = init_full_model(cfg, args.checkpoint, args.sample_model, args.device)
    dataset = build_dataset(cfg, num_batches * batch_size)
    loader = torch.utils.data.DataLoader(dataset, batch_sampler=batches,
                                         num_workers=args.num_workers,
                                         collate_fn=pseudo_collate)
    progress = ProgressBar(todo)
    for indices, data in zip(batches, loader):
        inputs = model.data_preprocessor(data, False)['inputs']
        noise, epsilon = model.noise_for_indices(indices, args.seed)
        with torch.no_grad():
            output = model.generate_from_tokens(
                inputs['caption_ids'], inputs['caption_len'], noise=noise, ca_epsilon=epsilon,
                sample_model=args.sample_model)
        images = to_uint8(output.images[-1], truncate=True)
        records = []
        for index, image, sample in zip(indices, images, data['data_samples']):
            if index >= args.num_images or index in done:
                continue
            save_png(osp.join(args.out_dir, image_file(index)), image)
            records.append(dict(index=index, file=image_file(index), prompt=sample.prompt,
                                img_key=sample.get('img_key'),
                                caption_index=sample.metainfo.get('caption_index'),
                                class_id=sample.get('class_id')))
            progress.update()
        append_index(args.out_dir, records)
    print(f'\n{args.num_images} images in {args.out_dir} (index: {INDEX_FILE})')


if __name__ == '__main__':
    run_cli(main)
