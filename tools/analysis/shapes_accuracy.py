"""Pixel-measured accuracy of a shapes DM-GAN: background colour, shape colour, shape.

    python tools/analysis/shapes_accuracy.py CONFIG CKPT [--split heldout] [--num 200]

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

The same scores of the real rendered images are printed as a check of the scorer.
Prints one JSON line.
"""
import argparse
import json
from typing import Dict, List

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


def score_image(image: np.ndarray, scene: dict) -> Dict[str, bool]:
    """Is each measured property of ``image`` (H×W×3 uint8) the one of ``scene``?"""
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
    scores = dict(background_colour=nearest_colour(background) == scene['background'],
                  shape_colour=nearest_colour(np.median(core, 0)) == obj['colour'],
                  shape=SHAPES[int(np.argmax(overlaps))] == obj['shape'])
    if len(scene['objects']) == 1:
        scores['position'] = bool(distinct.any()) and nearest_position(
            np.array([cols[distinct].mean(), rows[distinct].mean()]) / size) == obj['position']
    return scores


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
    generated = [score_image(image, scene) for image, scene in zip(output.images[-1], scenes)]
    size = output.sizes[-1]
    real = [score_image(render_scene(scene, size), scene) for scene in scenes]
    print(json.dumps(dict(split=args.split, num=args.num, heldout_pairs=pairs,
                          max_objects=max_objects,
                          sample_model=args.sample_model, generated=mean_scores(generated),
                          real_images=mean_scores(real),
                          chance=dict(background_colour=0.1, shape_colour=0.1, shape=0.2,
                                      position=0.2))))


if __name__ == '__main__':
    main()
