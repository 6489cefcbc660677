"""Pretrain a shapes DAMSM image encoder to name the scenes' shape, as a start for DAMSM.

The paper's DAMSM image encoder starts from ImageNet Inception-v3 weights, so it already
tells shapes apart before it meets a caption. A ``ConvImageEncoder`` trained from scratch
with the text encoder does not: the two settle on what each already separates (on the
shapes data, rounded vs pointed), and the sentence vectors of "circle" and "square"
captions stay all but equal (docs/damsm.md). This tool trains the config's image encoder,
with a linear head on its global feature, to classify the first shape of training scenes
(the config's train ``ShapesDataset``: its held-out pairs are never shown), and writes a
checkpoint for a DAMSM config's ``load_from``: ``image_encoder.*`` (no head), plus
``text_encoder.*`` of ``--text-from`` when given.

    python tools/shapes_demo/pretrain_shapes_image_encoder.py \
        configs/shapes_demo/damsm_shapes_demo_conv.py work_dirs/shapes_image_encoder_init.pth \
        --text-from work_dirs/damsm_shapes_demo_conv/epoch_3.pth

Prints one JSON line: the head's shape accuracy on 500 test scenes (seen pairs) and the path.
"""
import argparse
import json
import os.path as osp
from typing import Dict, List

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from mmdmgan.datasets.shapes import SHAPES, render_batch, sample_scene
from mmdmgan.engine.checkpoint import load_checkpoint_file
from mmdmgan.registry import MODELS
from mmdmgan.utils import atomic_write
from mmdmgan.utils.cli import run_cli


def shape_batch(scenes: List[dict], image_size: int) -> tuple:
    """Images (B×3×S×S in [-1, 1]) and first-shape labels (B) of scenes."""
    images = render_batch(scenes, image_size).float() / 127.5 - 1
    labels = torch.tensor([SHAPES.index(scene['objects'][0]['shape']) for scene in scenes])
    return images, labels


def pretrain(image_encoder: nn.Module, dataset: Dict, steps: int, batch_size: int, lr: float,
             seed: int) -> float:
    """Train ``image_encoder`` (+ a linear head) to classify the first shape of the train
    scenes of ``dataset`` (a ShapesDataset config); returns the accuracy on 500 test scenes."""
    pairs = [tuple(pair) for pair in dataset.get('heldout_pairs', [])]
    max_objects = dataset.get('max_objects', 2)
    scenes = [sample_scene(dataset.get('seed', 0), 'train', index, pairs,
                           max_objects=max_objects)
              for index in range(dataset.get('num_images', 1000))]
    images, labels = shape_batch(scenes, dataset.get('image_size', 64))
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    head = nn.Linear(image_encoder.global_projection.out_features, len(SHAPES))
    optimizer = torch.optim.Adam(list(image_encoder.parameters()) + list(head.parameters()), lr)
    image_encoder.train()
    for _ in range(steps):
        index = torch.randint(len(scenes), (batch_size, ), generator=generator)
        _, code = image_encoder(images[index])
        loss = nn.functional.cross_entropy(head(code), labels[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    image_encoder.eval()
    test = [sample_scene(dataset.get('seed', 0), 'test', index, pairs, max_objects=max_objects)
            for index in range(500)]
    test_images, test_labels = shape_batch(test, dataset.get('image_size', 64))
    with torch.no_grad():
        predicted = head(image_encoder(test_images)[1]).argmax(1)
    return float((predicted == test_labels).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a shapes DAMSM config with a ConvImageEncoder')
    parser.add_argument('out', help='output .pth (state_dict for load_from)')
    parser.add_argument('--text-from', help='checkpoint whose text_encoder.* to include')
    parser.add_argument('--steps', type=int, default=800)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    if args.steps < 1 or args.batch_size < 1:
        parser.error('--steps and --batch-size must be at least 1')

    cfg = Config.fromfile(args.config)
    init_default_scope('mmdmgan')
    if cfg.model.image_encoder.get('type') != 'ConvImageEncoder':
        raise ValueError(f'{args.config}: model.image_encoder must be a ConvImageEncoder (the '
                         f'Inception trunk is frozen), got {cfg.model.image_encoder.get("type")}')
    state_dict = {}
    if args.text_from:
        if not osp.isfile(args.text_from):
            raise FileNotFoundError(f'--text-from checkpoint not found: {args.text_from}')
        source = load_checkpoint_file(args.text_from)
        source = source.get('state_dict', source)
        state_dict = {key: value for key, value in source.items()
                      if key.startswith('text_encoder.')}
        if not state_dict:
            raise KeyError(f'{args.text_from} has no "text_encoder.*" weights (first keys: '
                           f'{list(source)[:5]})')
    torch.manual_seed(args.seed)
    image_encoder = MODELS.build(cfg.model.image_encoder)
    accuracy = pretrain(image_encoder, cfg.train_dataloader.dataset, args.steps,
                        args.batch_size, args.lr, args.seed)
    state_dict.update({f'image_encoder.{key}': value
                       for key, value in image_encoder.state_dict().items()})
    meta = dict(source=osp.basename(args.config), test_shape_accuracy=accuracy)
    atomic_write(args.out, lambda tmp: torch.save(dict(state_dict=state_dict, meta=meta), tmp))
    print(json.dumps(dict(test_shape_accuracy=round(accuracy, 4), out=args.out)))


if __name__ == '__main__':
    run_cli(main)
