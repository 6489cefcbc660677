"""Pixel-measured accuracy of a shapes DM-GAN: background colour, shape colour, shape, size.

    python tools/shapes_demo/shapes_accuracy.py CONFIG CKPT [--split heldout] [--num 200]
        [--caption-form templated] [--seeds K]

Captions come from ShapesDataset scenes (the first caption of each scene, which names the
background); on the ``heldout`` split the first shape is always a (colour, shape) pair that
the config's ``heldout_pairs`` kept out of training; scenes have as many shapes as the
config's training data (``max_objects`` of its dataset). ``--caption-form`` words the
captions in one of the dataset's forms (``CAPTION_FORMS``: ``templated``,
``no_position``, ``no_size``, ``synonyms``, ``reordered``, ``multi_sentence``, ``free``).
Foreground = pixels far from the measured
background colour. For scene object 0 (whose position and size the scene records), at the
captioned place and size where the caption names them, else at the place and size measured
(forms that leave the position open need one-shape scenes):

- background colour: the median of a 4-pixel border, nearest palette colour;
- place (when not captioned): the centroid of the largest foreground blob;
- size: the foreground blob under the object's window; of the two sizes, the one whose
  rendered area of the captioned shape is nearest to its area (in log scale); like the
  position, scored only when the caption names it;
- shape colour: the median of the pixels within 0.4·radius of the object's centre;
- shape: inside a window around the object, the shape whose rendered mask overlaps the
  foreground best (IoU) is the guess;
- position (one-shape scenes only): the centroid of all foreground pixels, nearest of the
  five caption positions;
- count: separate blobs of pixels of the object's colour (at least 0.3 of the smallest
  rendered shape); right when it equals the number of scene objects of that colour.

The same scores of the real rendered images are printed as a check of the scorer, and
``generated_shape_confusion`` counts, per captioned shape, the shapes measured in the
generated images (which shapes the model mixes up). ``dropped_words`` counts the caption words
the model's vocabulary lacks (the pipeline drops them). With ``--seeds K`` > 1 each caption
that leaves the position or the size open is also sampled with the next K - 1 seeds;
``diversity`` is the fraction of seed pairs whose measured (position, size) differ (0: the
noise never changes what the caption left open). Prints one JSON line.
"""
import argparse
import itertools
import json
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.config import Config

from mmdmgan.apis import init_model
from mmdmgan.datasets.shapes import (
    CAPTION_FORMS,
    COLOURS,
    POSITIONS,
    SHAPES,
    SIZES,
    draw_shape,
    render_scene,
    sample_scene,
    shapes_vocabulary,
)
from mmdmgan.datasets.vocabulary import tokenize
from mmdmgan.utils.cli import run_cli

COLOUR_NAMES = list(COLOURS)
PALETTE = np.array([COLOURS[name] for name in COLOUR_NAMES], np.float64)
FOREGROUND_DISTANCE = 60.0  # RGB distance from the background that counts as foreground
MIN_BLOB = 0.3  # smallest counted blob, relative to the smallest rendered shape
#: What a caption of the fixed grammar names besides colours and shapes.
ALL_NAMED = ('size', 'position')


def nearest_colour(rgb: np.ndarray) -> str:
    return COLOUR_NAMES[int(np.argmin(((PALETTE - rgb) ** 2).sum(1)))]


def shape_mask(shape: str, centre: Sequence[float], radius: float,
               image_size: int) -> np.ndarray:
    """Boolean mask of one shape drawn alone (with the dataset's renderer); ``centre`` (x, y)
    and ``radius`` in pixels."""
    canvas = np.zeros((image_size, image_size, 1), np.uint8)
    draw_shape(canvas, shape, centre, radius, (255, ))
    return canvas[..., 0] > 128


def _blobs(mask: np.ndarray) -> tuple:
    """Label image and pixel count of each 8-connected blob of ``mask`` (label 0: none)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), None, 8)
    return labels, stats[:, cv2.CC_STAT_AREA].astype(np.int64), count


def nearest_size(area: float, shape: str, image_size: int) -> str:
    """The size whose rendered ``shape`` area is nearest to ``area`` pixels (log scale)."""
    areas = {size: shape_mask(shape, (image_size / 2, image_size / 2), radius * image_size,
                              image_size).sum() for size, radius in SIZES.items()}
    return min(areas, key=lambda size: abs(np.log(max(area, 1) / areas[size])))


def count_blobs(image: np.ndarray, colour: str, background: np.ndarray) -> int:
    """Separate blobs of pixels whose nearest palette colour is ``colour`` and that stand out
    from the ``background`` RGB, each at least ``MIN_BLOB`` of the smallest rendered shape."""
    pixels = image.astype(np.float64)
    nearest = np.argmin(((pixels[..., None, :] - PALETTE) ** 2).sum(-1), -1)
    mask = ((nearest == COLOUR_NAMES.index(colour))
            & (np.linalg.norm(pixels - background, axis=-1) > FOREGROUND_DISTANCE))
    size = image.shape[0]
    smallest = min(shape_mask(shape, (size / 2, size / 2), min(SIZES.values()) * size,
                              size).sum() for shape in SHAPES)
    _, areas, count = _blobs(mask)
    return int((areas[1:count] >= MIN_BLOB * smallest).sum())


def measure_image(image: np.ndarray, scene: dict,
                  named: Sequence[str] = ALL_NAMED) -> Dict[str, Optional[str]]:
    """What ``image`` (H×W×3 uint8) shows of ``scene``'s first shape.

    Args:
        image (np.ndarray): H×W×3 uint8.
        scene (dict): A shapes scene.
        named (Sequence[str]): Which of ``'size'``, ``'position'`` the caption names: the
            shape is read at the captioned place and size, or at the measured ones.

    Returns:
        dict: ``background_colour``, ``shape_colour``, ``shape`` and ``size`` (names) and
        ``count`` (int); for one-shape scenes also ``position``. ``None`` where no
        foreground pixel stands out.
    """
    size = image.shape[0]
    pixels = image.astype(np.float64)
    border = np.concatenate([pixels[:4].reshape(-1, 3), pixels[-4:].reshape(-1, 3),
                             pixels[:, :4].reshape(-1, 3), pixels[:, -4:].reshape(-1, 3)])
    background = np.median(border, 0)
    obj = scene['objects'][0]
    rows, cols = np.mgrid[:size, :size]
    distinct = np.linalg.norm(pixels - background, axis=-1) > FOREGROUND_DISTANCE
    labels, areas, count = _blobs(distinct)
    measured = dict(background_colour=nearest_colour(background), shape_colour=None,
                    shape=None, size=None,
                    count=count_blobs(image, obj['colour'], background))
    if len(scene['objects']) == 1:
        measured['position'] = nearest_position(
            np.array([cols[distinct].mean(), rows[distinct].mean()]) / size
        ) if distinct.any() else None
    if 'position' in named:
        centre = np.array(POSITIONS[obj['position']]) * size
    elif len(scene['objects']) > 1:
        raise ValueError('a caption without the position leaves two-shape scenes ambiguous; '
                         'measure one-shape scenes (max_objects=1)')
    elif count > 1:
        largest = labels == 1 + int(np.argmax(areas[1:count]))
        centre = np.array([cols[largest].mean(), rows[largest].mean()])
    else:
        return measured
    # The object's blob: the one with most pixels near the centre.
    reach = SIZES['large'] * size * 1.3
    near = (np.abs(cols - centre[0]) <= reach) & (np.abs(rows - centre[1]) <= reach)
    in_window = np.bincount(labels[near & distinct], minlength=count)[1:]
    if in_window.any():
        measured['size'] = nearest_size(areas[1 + int(np.argmax(in_window))], obj['shape'], size)
    radius_name = obj['size'] if 'size' in named else measured['size']
    if radius_name is None:
        return measured
    radius = SIZES[radius_name] * size
    distance = np.hypot(cols - centre[0], rows - centre[1])
    core = pixels[distance <= 0.4 * radius]
    window = (np.abs(cols - centre[0]) <= 1.3 * radius) & (np.abs(rows - centre[1]) <= 1.3 * radius)
    foreground = distinct & window
    overlaps = []
    for shape in SHAPES:
        mask = shape_mask(shape, centre, radius, size) & window
        overlaps.append((foreground & mask).sum() / max((foreground | mask).sum(), 1))
    measured.update(shape_colour=nearest_colour(np.median(core, 0)),
                    shape=SHAPES[int(np.argmax(overlaps))])
    return measured


def score_image(image: np.ndarray, scene: dict,
                named: Sequence[str] = ALL_NAMED) -> Dict[str, bool]:
    """Is each measured property of ``image`` (H×W×3 uint8) the one of ``scene``? ``count``
    is right when the object's colour makes as many blobs as the scene has shapes of it.
    Size and position are scored only where the caption names them (``named``): what a
    caption leaves open, any value fits."""
    obj = scene['objects'][0]
    truth = dict(background_colour=scene['background'], shape_colour=obj['colour'],
                 shape=obj['shape'], size=obj['size'], position=obj['position'],
                 count=sum(other['colour'] == obj['colour'] for other in scene['objects']))
    return {key: value == truth[key]
            for key, value in measure_image(image, scene, named).items()
            if key not in ALL_NAMED or key in named}


def shape_confusion(images: Sequence[np.ndarray], scenes: Sequence[dict],
                    named: Sequence[Sequence[str]] = ()) -> Dict[str, Dict[str, int]]:
    """How often each captioned shape (first object) is measured as each shape (``'none'``:
    no object found); ``named``: per scene, see :func:`measure_image`."""
    counts = {true: dict.fromkeys(SHAPES + ('none', ), 0) for true in SHAPES}
    for image, scene, names in itertools.zip_longest(images, scenes, named,
                                                       fillvalue=ALL_NAMED):
        measured = measure_image(image, scene, names)['shape']
        counts[scene['objects'][0]['shape']][measured or 'none'] += 1
    return counts


def nearest_position(point: np.ndarray) -> str:
    names = list(POSITIONS)
    return names[int(np.argmin([np.hypot(*(point - POSITIONS[name])) for name in names]))]


def mean_scores(scores: List[Dict[str, bool]]) -> Dict[str, float]:
    keys = dict.fromkeys(key for score in scores for key in score)
    return {key: round(float(np.mean([s[key] for s in scores if key in s])), 4) for key in keys}


def diversity(measured: Sequence[Sequence[tuple]]) -> float:
    """Mean over captions of the fraction of seed pairs whose measured values differ.

    Args:
        measured (Sequence[Sequence[tuple]]): Per caption, the measured (position, size) of
            each seed's image.
    """
    fractions = [np.mean([first != second for first, second in itertools.combinations(seeds, 2)])
                 for seeds in measured if len(seeds) > 1]
    return round(float(np.mean(fractions)), 4) if fractions else float('nan')


def dropped_words(captions: Sequence[str], vocabulary) -> dict:
    """How many caption words ``vocabulary`` lacks: fraction of captions losing a word,
    fraction of words lost, and the lost words with their counts."""
    tokens = [tokenize(caption) for caption in captions]
    lost = [[word for word in words if word not in vocabulary] for words in tokens]
    counts: Dict[str, int] = {}
    for word in itertools.chain.from_iterable(lost):
        counts[word] = counts.get(word, 0) + 1
    return dict(captions=round(float(np.mean([bool(words) for words in lost])), 4),
                words=round(sum(map(len, lost)) / max(sum(map(len, tokens)), 1), 4),
                counts=dict(sorted(counts.items(), key=lambda item: -item[1])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the training config (its heldout_pairs are used)')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', choices=['heldout', 'test'], default='heldout')
    parser.add_argument('--num', type=int, default=200, help='scenes to score')
    parser.add_argument('--data-seed', type=int, default=0, help='ShapesDataset seed')
    parser.add_argument('--seed', type=int, default=0, help='sampling seed')
    parser.add_argument('--caption-form', choices=CAPTION_FORMS, default='templated',
                        help='how the captions are worded (ShapesDataset caption_form)')
    parser.add_argument('--seeds', type=int, default=1,
                        help='K > 1: also sample captions that leave the position or size '
                        'open with seeds SEED+1..SEED+K-1 and report their diversity')
    parser.add_argument('--sample-model', choices=['ema', 'orig'], default=None)
    parser.add_argument('--heldout-pairs', default=None,
                        help='JSON list of [colour, shape]; default: the config\'s heldout_pairs')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f'--seeds must be at least 1, got {args.seeds}')

    cfg = Config.fromfile(args.config)
    pairs = (json.loads(args.heldout_pairs) if args.heldout_pairs is not None
             else cfg.get('heldout_pairs', []))
    dataset_cfg = cfg.train_dataloader.dataset
    max_objects = dataset_cfg.get('max_objects', 2)
    if args.caption_form in ('no_position', 'free') and max_objects != 1:
        parser.error(f'--caption-form {args.caption_form} leaves the position open, which '
                     'needs one-shape scenes: the config trains on max_objects=1 only')
    scenes = [sample_scene(args.data_seed, args.split, index, pairs, max_objects=max_objects,
                           caption_form=args.caption_form)
              for index in range(args.num)]
    captions = [scene['captions'][0] for scene in scenes]
    named = [scene['caption_names'][0] if 'caption_names' in scene else ALL_NAMED
             for scene in scenes]
    # The model reads captions with the vocabulary it was trained with.
    vocabulary = shapes_vocabulary(
        free_form=dataset_cfg.get('caption_form', 'templated') != 'templated')
    model = init_model(cfg, args.checkpoint, device=args.device, vocabulary=vocabulary)
    output = model.infer(captions, seed=args.seed, output_type='uint8',
                         sample_model=args.sample_model)
    images = output.images[-1]
    generated = [score_image(image, scene, names)
                 for image, scene, names in zip(images, scenes, named)]
    size = output.sizes[-1]
    real = [score_image(render_scene(scene, size), scene, names)
            for scene, names in zip(scenes, named)]
    report = dict(split=args.split, num=args.num, caption_form=args.caption_form,
                  example_caption=captions[0], heldout_pairs=pairs, max_objects=max_objects,
                  sample_model=args.sample_model, generated=mean_scores(generated),
                  generated_shape_confusion=shape_confusion(images, scenes, named),
                  real_images=mean_scores(real),
                  captions_without=dict(size=float(np.mean(['size' not in n for n in named])),
                                        position=float(np.mean(['position' not in n
                                                                for n in named]))),
                  dropped_words=dropped_words(captions, model.vocabulary),
                  chance=dict(background_colour=0.1, shape_colour=0.1, shape=0.2,
                              size=0.5, position=0.2))
    open_ones = [number for number, names in enumerate(named) if len(names) < len(ALL_NAMED)]
    if args.seeds > 1 and open_ones:
        measured = [[] for _ in open_ones]
        for seed in range(args.seed, args.seed + args.seeds):
            if seed == args.seed:
                seed_images = [images[number] for number in open_ones]
            else:
                seed_images = model.infer([captions[number] for number in open_ones], seed=seed,
                                          output_type='uint8',
                                          sample_model=args.sample_model).images[-1]
            for values, number, image in zip(measured, open_ones, seed_images):
                found = measure_image(image, scenes[number], named[number])
                values.append((found.get('position'), found['size']))
        report.update(diversity=diversity(measured), diversity_seeds=args.seeds,
                      diversity_captions=len(open_ones))
    print(json.dumps(report))


if __name__ == '__main__':
    run_cli(main)
