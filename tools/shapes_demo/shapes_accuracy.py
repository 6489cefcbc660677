"""Pixel-measured accuracy of a shapes DM-GAN: background colour, shape colour, shape.

    python tools/shapes_demo/shapes_accuracy.py CONFIG CKPT [--split heldout] [--num 200]

Captions come from ShapesDataset scenes (the first caption of each scene, which names the
background); on the ``heldout`` split the first shape is always a (colour, shape) pair that
the config's ``heldout_pairs`` kept out of training; scenes have as many shapes as the
config's training data (``max_objects`` of its dataset). For scene object 0 (whose position and
size the scene records):

- background colour: the median of a 4-pixel border, nearest palette colour;
- shape colour: the median of the pixels within 0.4·radius of the object's centre;
- shape: inside a window around the object, foreground = pixels far from the measured
  background colour; the shape whose rendered mask overlaps it best (IoU) is the guess.
- position (one-shape scenes only): the centroid of all foreground pixels, nearest of the
  five caption positions.

The same scores of the real rendered images are printed as a check of the scorer, and
``generated_shape_confusion`` counts, per captioned shape, the shapes measured in the
generated images (which shapes the model mixes up). Prints one JSON line.
"""
import argparse
import json
from typing import Dict, List, Sequence

import numpy as np
from mmengine.config import Config

from mmdmgan.apis import init_model
from mmdmgan.datasets.shapes import (
    COLOURS,
    POSITIONS,
    SHAPES,
    SIZES,
    render_scene,
    sample_scene,
    shapes_vocabulary,
)
from mmdmgan.utils.cli import run_cli

COLOUR_NAMES = list(COLOURS)
PALETTE = np.array([COLOURS[name] for name in COLOUR_NAMES], np.float64)
FOREGROUND_DISTANCE = 60.0  # RGB distance from the background that counts as foreground


def nearest_colour(rgb: np.ndarray) -> str:
    return COLOUR_NAMES[int(np.argmin(((PALETTE - rgb) ** 2).sum(1)))]


def shape_mask(shape: str, position: str, size: str, image_size: int) -> np.ndarray:
    """Boolean mask of one shape drawn alone (with the dataset's renderer)."""
    scene = dict(background='black', objects=[dict(shape=shape, colour='white', size=size,
                                                   position=position)])
    return render_scene(scene, image_size)[..., 0] > 128


def measure_image(image: np.ndarray, scene: dict) -> Dict[str, str]:
    """What ``image`` (H×W×3 uint8) shows where ``scene`` says its first shape is.

    Returns:
        dict[str, str]: ``background_colour``, ``shape_colour`` and ``shape`` (names) and,
        for one-shape scenes, ``position`` (``None`` when no pixel stands out).
    """
    size = image.shape[0]
    pixels = image.astype(np.float64)
    border = np.concatenate([pixels[:4].reshape(-1, 3), pixels[-4:].reshape(-1, 3),
                             pixels[:, :4].reshape(-1, 3), pixels[:, -4:].reshape(-1, 3)])
    background = np.median(border, 0)
    obj = scene['objects'][0]
    centre = np.array(POSITIONS[obj['position']]) * size
    radius = SIZES[obj['size']] * size
    rows, cols = np.mgrid[:size, :size]
    distance = np.hypot(cols - centre[0], rows - centre[1])
    core = pixels[distance <= 0.4 * radius]
    window = (np.abs(cols - centre[0]) <= 1.3 * radius) & (np.abs(rows - centre[1]) <= 1.3 * radius)
    distinct = np.linalg.norm(pixels - background, axis=-1) > FOREGROUND_DISTANCE
    foreground = distinct & window
    overlaps = []
    for shape in SHAPES:
        mask = shape_mask(shape, obj['position'], obj['size'], size) & window
        overlaps.append((foreground & mask).sum() / max((foreground | mask).sum(), 1))
    measured = dict(background_colour=nearest_colour(background),
                    shape_colour=nearest_colour(np.median(core, 0)),
                    shape=SHAPES[int(np.argmax(overlaps))])
    if len(scene['objects']) == 1:
        measured['position'] = nearest_position(
            np.array([cols[distinct].mean(), rows[distinct].mean()]) / size
        ) if distinct.any() else None
    return measured


def score_image(image: np.ndarray, scene: dict) -> Dict[str, bool]:
    """Is each measured property of ``image`` (H×W×3 uint8) the one of ``scene``?"""
    obj = scene['objects'][0]
    truth = dict(background_colour=scene['background'], shape_colour=obj['colour'],
                 shape=obj['shape'], position=obj['position'])
    return {key: value == truth[key] for key, value in measure_image(image, scene).items()}


def shape_confusion(images: Sequence[np.ndarray],
                    scenes: Sequence[dict]) -> Dict[str, Dict[str, int]]:
    """How often each captioned shape (first object) is measured as each shape."""
    counts = {true: dict.fromkeys(SHAPES, 0) for true in SHAPES}
    for image, scene in zip(images, scenes):
        counts[scene['objects'][0]['shape']][measure_image(image, scene)['shape']] += 1
    return counts


def nearest_position(point: np.ndarray) -> str:
    names = list(POSITIONS)
    return names[int(np.argmin([np.hypot(*(point - POSITIONS[name])) for name in names]))]


def mean_scores(scores: List[Dict[str, bool]]) -> Dict[str, float]:
    keys = dict.fromkeys(key for score in scores for key in score)
    return {key: round(float(np.mean([s[key] for s in scores if key in s])), 4) for key in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the training config (its heldout_pairs are used)')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', choices=['heldout', 'test'], default='heldout')
    parser.add_argument('--num', type=int, default=200, help='scenes to score')
    parser.add_argument('--data-seed', type=int, default=0, help='ShapesDataset seed')
    parser.add_argument('--seed', type=int, default=0, help='sampling seed')
    parser.add_argument('--sample-model', choices=['ema', 'orig'], default=None)
    parser.add_argument('--heldout-pairs', default=None,
                        help='JSON list of [colour, shape]; default: the config\'s heldout_pairs')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()

    cfg = Config.fromfile(args.config)
    pairs = (json.loads(args.heldout_pairs) if args.heldout_pairs is not None
             else cfg.get('heldout_pairs', []))
    max_objects = cfg.train_dataloader.dataset.get('max_objects', 2)
    scenes = [sample_scene(args.data_seed, args.split, index, pairs, max_objects=max_objects)
              for index in range(args.num)]
    model = init_model(cfg, args.checkpoint, device=args.device,
                       vocabulary=shapes_vocabulary())
    output = model.infer([scene['captions'][0] for scene in scenes], seed=args.seed,
                         output_type='uint8', sample_model=args.sample_model)
    images = output.images[-1]
    generated = [score_image(image, scene) for image, scene in zip(images, scenes)]
    size = output.sizes[-1]
    real = [score_image(render_scene(scene, size), scene) for scene in scenes]
    print(json.dumps(dict(split=args.split, num=args.num, heldout_pairs=pairs,
                          max_objects=max_objects,
                          sample_model=args.sample_model, generated=mean_scores(generated),
                          generated_shape_confusion=shape_confusion(images, scenes),
                          real_images=mean_scores(real),
                          chance=dict(background_colour=0.1, shape_colour=0.1, shape=0.2,
                                      position=0.2))))


if __name__ == '__main__':
    run_cli(main)
