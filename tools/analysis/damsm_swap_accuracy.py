"""Which caption words a shapes DAMSM can check: image-text matching against one-word swaps.

    python tools/analysis/damsm_swap_accuracy.py CONFIG CHECKPOINT [--split test] [--num 200]

For each scene (rendered as in training) the DAMSM sentence score cos(image code, sentence)
of its caption is compared with the score of the same caption after one attribute is
changed (``mmdmgan.datasets.shapes.swap_attribute``: the shape's colour, shape, size or
position, or the background; the two captions are worded alike). The swap accuracy of an
attribute is how often the true caption scores higher (chance 0.5). An attribute the
encoders cannot check gives the DM-GAN generator no DAMSM gradient towards it, and the
text encoder has had no reason to encode it.

CONFIG is a DAMSM or DM-GAN shapes config (``model.text_encoder`` / ``model.image_encoder``,
``heldout_pairs``, the train dataset's ``image_size`` and ``max_objects``); CHECKPOINT holds
both encoders (a DAMSM training checkpoint, or one with ``text_encoder.*`` and
``image_encoder.*`` keys). Prints one JSON line.
"""
import argparse
import json
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdmgan.datasets.shapes import (
    SWAP_ATTRIBUTES,
    max_caption_words,
    render_scene,
    sample_scene,
    scene_captions,
    shapes_vocabulary,
    swap_attribute,
)
from mmdmgan.models.dmgan.dmgan import load_encoder_weights
from mmdmgan.registry import MODELS


def first_caption(scene: dict) -> str:
    """The scene's caption in the first template (which names the background), with the
    position phrase drawn from a fixed stream, so that a swapped scene is worded alike."""
    return scene_captions(scene['objects'], scene['background'], np.random.default_rng(0), 1)[0]


def caption_tensors(captions: Sequence[str]) -> tuple:
    """Token ids (B×T, zero padded, nothing cut) and lengths (B) of shapes captions."""
    vocabulary = shapes_vocabulary()
    encoded = [vocabulary.encode(caption, max_caption_words()) for caption in captions]
    return (torch.stack([ids for ids, _ in encoded]),
            torch.tensor([length for _, length in encoded]))


@torch.no_grad()
def swap_accuracy(text_encoder: torch.nn.Module, image_encoder: torch.nn.Module,
                  scenes: List[dict], image_size: int, heldout_pairs: Sequence = (),
                  seed: int = 0, batch_size: int = 50) -> Dict[str, float]:
    """Per attribute, the fraction of scenes whose true caption outscores its swap.

    Args:
        text_encoder (nn.Module): DAMSM text encoder (eval mode).
        image_encoder (nn.Module): DAMSM image encoder (eval mode).
        scenes (list[dict]): Scenes of :func:`sample_scene`.
        image_size (int): Side the scenes are rendered at.
        heldout_pairs (Sequence): (colour, shape) pairs the swaps must not create.
        seed (int): Seed of the swaps.
        batch_size (int): Scenes encoded at once.

    Returns:
        dict[str, float]: Attribute name → swap accuracy.
    """
    rng = np.random.default_rng(seed)
    wins = {attribute: [] for attribute in SWAP_ATTRIBUTES}
    for start in range(0, len(scenes), batch_size):
        batch = scenes[start:start + batch_size]
        images = torch.from_numpy(np.stack([render_scene(scene, image_size) for scene in batch]))
        _, image_code = image_encoder(images.permute(0, 3, 1, 2).float() / 127.5 - 1)
        captions = [first_caption(scene) for scene in batch]
        for attribute in SWAP_ATTRIBUTES:
            captions += [first_caption(swap_attribute(scene, rng, heldout_pairs, 1, (attribute, )))
                         for scene in batch]
        _, sentence = text_encoder(*caption_tensors(captions))
        scores = torch.cosine_similarity(image_code.repeat(len(SWAP_ATTRIBUTES) + 1, 1),
                                         sentence).view(len(SWAP_ATTRIBUTES) + 1, len(batch))
        for number, attribute in enumerate(SWAP_ATTRIBUTES, start=1):
            wins[attribute] += (scores[0] > scores[number]).tolist()
    return {attribute: round(float(np.mean(values)), 4) for attribute, values in wins.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a DAMSM or DM-GAN shapes config')
    parser.add_argument('checkpoint', help='checkpoint with both DAMSM encoders')
    parser.add_argument('--split', choices=['heldout', 'test'], default='test')
    parser.add_argument('--num', type=int, default=200, help='scenes to score')
    parser.add_argument('--data-seed', type=int, default=0, help='ShapesDataset seed')
    parser.add_argument('--seed', type=int, default=0, help='seed of the swaps')
    args = parser.parse_args()
    if args.num < 1:
        parser.error(f'--num must be at least 1, got {args.num}')

    cfg = Config.fromfile(args.config)
    init_default_scope('mmdmgan')
    pairs = [tuple(pair) for pair in cfg.get('heldout_pairs', [])]
    dataset = cfg.train_dataloader.dataset
    max_objects = dataset.get('max_objects', 2)
    encoders = {}
    for prefix in ('text_encoder', 'image_encoder'):
        encoders[prefix] = MODELS.build(cfg.model[prefix])
        load_encoder_weights(encoders[prefix], args.checkpoint, prefix)
        encoders[prefix].eval()
    scenes = [sample_scene(args.data_seed, args.split, index, pairs, max_objects=max_objects)
              for index in range(args.num)]
    # A held-out scene's swaps may name held-out pairs; a test scene's never do.
    forbidden = pairs if args.split == 'test' else ()
    accuracy = swap_accuracy(encoders['text_encoder'], encoders['image_encoder'], scenes,
                             dataset.image_size, forbidden, args.seed)
    print(json.dumps(dict(split=args.split, num=args.num, heldout_pairs=pairs,
                          max_objects=max_objects, swap_accuracy=accuracy, chance=0.5)))


if __name__ == '__main__':
    main()
