"""Generate images from captions with a DM-GAN and write them as PNGs.

    python demo/text2img.py --text "a large red circle on a blue background"   # shipped model
    python demo/text2img.py CONFIG CKPT --text "this bird is red with a short beak" \
        --num-images 4 --seed 0 --attention --out-dir outputs/text2img
    python demo/text2img.py configs/dmgan_shapes_quick.py \
        work_dirs/dmgan_shapes_quick/iter_100.pth --text "a large red circle in the centre"

A training checkpoint works as it is: without --vocab, the vocabulary comes from the
checkpoint or the config (see mmdmgan.apis.init_model), else from the config's train dataset.

Prints the path of every PNG it writes (one per line).
"""
import argparse
import os.path as osp
import re
import sys
from typing import List, Optional

import numpy as np
from mmengine.registry import DefaultScope
from PIL import Image

from mmdmgan.apis import SHAPES_DEMO_CHECKPOINT, SHAPES_DEMO_CONFIG, init_model
from mmdmgan.datasets.shapes import SHAPES_VOCABULARY_NAMES, shapes_vocabulary
from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.registry import DATASETS
from mmdmgan.utils import atomic_write, to_uint8
from mmdmgan.utils.cli import run_cli
from mmdmgan.visualization import attention_sheet, stage_sheet


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', help='model config (default: the shipped shapes '
                        'model, mmdmgan/checkpoints/shapes_demo.py)')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint (with CONFIG)')
    parser.add_argument('--text', action='append', default=[],
                        help='a caption (repeat the option for several)')
    parser.add_argument('--text-file', help='a text file with one caption per line')
    parser.add_argument('--num-images', type=int, default=1, help='images per caption')
    parser.add_argument('--seed', type=int, default=0, help='same seed, same images')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1, ...')
    parser.add_argument('--out-dir', default='outputs/text2img')
    parser.add_argument('--attention', action='store_true',
                        help='also write a sheet of the stages and one of the word attention')
    parser.add_argument('--sample-model', choices=['ema', 'orig'], default=None,
                        help='generator to sample (default: EMA when the model has one)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--vocab', help="the model's vocab.json, or 'shapes' / 'shapes_free' for "
                        'the shapes fixed-grammar / free-form vocabulary (default: found from '
                        'the checkpoint or the config)')
    args = parser.parse_args(argv)
    if (args.config is None) != (args.checkpoint is None):
        parser.error('give both CONFIG and CKPT, or neither (the shipped shapes model)')
    if args.config is None:
        args.config, args.checkpoint = SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT
    if args.text_file:
        if not osp.isfile(args.text_file):
            parser.error(f'--text-file {args.text_file} not found')
        args.text += read_captions(args.text_file, parser)
    if not args.text:
        parser.error('give at least one caption with --text or --text-file')
    return args


def read_captions(path: str, parser: argparse.ArgumentParser) -> List[str]:
    """The non-empty lines of a UTF-8 caption file; other bytes end the run with one line
    naming the file and the byte position."""
    with open(path, 'rb') as file:
        data = file.read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b'\n') + 1
        parser.error(f'--text-file {path}: not UTF-8 text (byte 0x{data[error.start]:02x} at '
                     f'byte position {error.start} (line {line}): {error.reason}); save it as '
                     'UTF-8')
    return [line.strip() for line in text.splitlines() if line.strip()]


def slug(text: str, max_words: int = 8) -> str:
    """A file-name-safe short form of a caption."""
    return '_'.join(re.findall(r'[a-z0-9]+', text.lower())[:max_words]) or 'caption'


def write_png(path: str, image: np.ndarray) -> str:
    atomic_write(path, lambda tmp_path: Image.fromarray(image).save(tmp_path, format='PNG'))
    return path


def train_dataset_vocabulary(cfg) -> Vocabulary:
    """The vocabulary of the config's train dataset (the one the model was trained with)."""
    dataset_cfg = cfg.get('train_dataloader', {}).get('dataset')
    if dataset_cfg is None:
        raise ValueError('no vocabulary in the checkpoint or the config, and no '
                         'train_dataloader.dataset to build one from: pass --vocab vocab.json')
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmdmgan')):
        vocabulary = getattr(DATASETS.build(dataset_cfg), 'vocabulary', None)
    if vocabulary is None:
        raise ValueError(f'the train dataset ({dataset_cfg.get("type")}) has no vocabulary: '
                         'pass --vocab vocab.json')
    return vocabulary


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    vocabulary = args.vocab
    if vocabulary in SHAPES_VOCABULARY_NAMES:
        vocabulary = shapes_vocabulary(free_form=SHAPES_VOCABULARY_NAMES[vocabulary])
    elif vocabulary is not None and not osp.isfile(vocabulary):
        raise FileNotFoundError(f'--vocab {vocabulary} not found')
    model = init_model(args.config, args.checkpoint, device=args.device, vocabulary=vocabulary)
    if getattr(model, 'vocabulary', None) is None:
        model.vocabulary = train_dataset_vocabulary(model.cfg)
    # Batch by batch: each batch's files are written before the next is generated.
    for output in model.iter_infer(args.text, num_images=args.num_images, seed=args.seed,
                                   return_attention=args.attention, output_type='tensor',
                                   sample_model=args.sample_model, batch_size=args.batch_size):
        final_size = output.sizes[-1]
        finals = to_uint8(output.images[-1])
        for row, (index, prompt) in enumerate(zip(output.indices, output.prompts)):
            stem = osp.join(args.out_dir, f'{index // args.num_images:03d}_{slug(prompt)}_'
                            f'{index % args.num_images}')
            print(write_png(f'{stem}.png', finals[row]))
            if args.attention:
                stages = [images[row] for images in output.images]
                print(write_png(f'{stem}_stages.png', stage_sheet(stages, final_size)))
                print(write_png(f'{stem}_attention.png',
                                attention_sheet(stages, output.attention_maps[row],
                                                output.words[row],
                                                tile_size=min(final_size, 128))))
        sys.stdout.flush()


if __name__ == '__main__':
    run_cli(main)
