"""Synthetic captioned shapes: a dataset that needs no download and whose captions can be
checked from the pixels.

Each scene has a coloured background and one or two shapes, each with a colour, a size and
a position; several differently worded captions describe it ("a large red circle on the
left on a blue background", "there is a small green star near the top"). Scenes are a pure
function of ``(seed, split, index)``, so the in-memory dataset renders items on the fly and
:func:`write_shapes_dataset` writes the same scenes in the ``captions.jsonl`` layout of
:class:`~mmdmgan.datasets.CaptionDataset`.

Held-out (colour, shape) pairs never appear in the ``train`` and ``test`` splits; every
scene of the ``heldout`` split contains one, to test generalisation to unseen combinations.

Besides the fixed grammar (``caption_form='templated'``), captions can be drawn in the forms
people type (:data:`CAPTION_FORMS`): without the position phrase or the size word, with
synonyms ("big", "tiny", "in the middle", "on red"), in another word order, or as several
sentences. The scene stays the ground truth (it always has a position and a size); its
captions are sampled from it. The words of those forms are appended to the fixed grammar's
vocabulary (:func:`shapes_vocabulary` with ``free_form=True``), so old word ids stay valid.
"""
import json
import os
from typing import Collection, Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from mmdmgan.datasets.base_caption_dataset import MISMATCH_MODES, BaseCaptionDataset
from mmdmgan.datasets.vocabulary import Vocabulary, tokenize
from mmdmgan.registry import DATASETS

COLOURS: Dict[str, Tuple[int, int, int]] = {  # RGB
    'red': (220, 30, 30),
    'green': (30, 170, 40),
    'blue': (35, 70, 225),
    'yellow': (245, 225, 30),
    'purple': (135, 45, 185),
    'orange': (250, 140, 20),
    'white': (245, 245, 245),
    'black': (15, 15, 15),
    'pink': (250, 135, 195),
    'cyan': (30, 215, 225),
}
SHAPES = ('circle', 'square', 'triangle', 'star', 'diamond')
SIZES = {'small': 0.09, 'large': 0.16}  # radius relative to the image side
POSITIONS = {  # centre (x, y) relative to the image side
    'left': (0.22, 0.5),
    'right': (0.78, 0.5),
    'top': (0.5, 0.22),
    'bottom': (0.5, 0.78),
    'centre': (0.5, 0.5),
}
POSITION_PHRASES = {
    'left': ('on the left', 'at the left', 'near the left side'),
    'right': ('on the right', 'at the right', 'near the right side'),
    'top': ('at the top', 'near the top', 'in the upper part'),
    'bottom': ('at the bottom', 'near the bottom', 'in the lower part'),
    'centre': ('in the centre', 'in the middle', 'at the center'),
}
#: Caption templates; ``{objects}`` is e.g. "a large red circle on the left and ...".
TEMPLATES = (
    '{objects} on a {background} background',
    'there is {objects}',
    'a {background} background with {objects}',
    '{objects} against a {background} backdrop',
    'an image of {objects} on {background}',
)
#: How captions are worded: ``'templated'`` is the fixed grammar above (a size word and a
#: position phrase in every caption); the others are forms people type.
#: ``'no_position'``/``'no_size'`` leave that attribute out, ``'synonyms'`` swaps in other
#: words for the sizes, shapes, positions and background, ``'reordered'`` moves the background
#: first or the size and position after the shape, ``'multi_sentence'`` names the background
#: in a sentence of its own, and ``'free'`` draws each of these choices at random per caption.
CAPTION_FORMS = ('templated', 'no_position', 'no_size', 'synonyms', 'reordered',
                 'multi_sentence', 'free')
#: Words of each size; the first is the fixed grammar's.
SIZE_WORDS = {'small': ('small', 'tiny', 'little'), 'large': ('large', 'big', 'huge')}
#: Words of each shape; the first is the fixed grammar's.
SHAPE_WORDS = {'circle': ('circle', 'disc'), 'square': ('square', 'box'),
               'triangle': ('triangle',), 'star': ('star',), 'diamond': ('diamond', 'rhombus')}
#: The fixed grammar's position phrases and more ways to say them.
FREE_POSITION_PHRASES = {
    'left': POSITION_PHRASES['left'] + ('to the left', 'on the left side'),
    'right': POSITION_PHRASES['right'] + ('to the right', 'on the right side'),
    'top': POSITION_PHRASES['top'] + ('at the top edge', 'up top'),
    'bottom': POSITION_PHRASES['bottom'] + ('at the bottom edge', 'down below'),
    'centre': POSITION_PHRASES['centre'] + ('in the center', 'centred', 'centered'),
}
#: Background phrases after (or before) the shapes; the first is the fixed grammar's.
BACKGROUND_PHRASES = ('on a {background} background', 'on {background}',
                      'on a {background} backdrop', 'against a {background} background',
                      'with a {background} background')
#: Background sentences of ``multi_sentence`` captions.
BACKGROUND_SENTENCES = ('The background is {background}.', 'The backdrop is {background}.',
                        'It is on {background}.')
#: Openings of the shapes sentence of ``multi_sentence`` captions.
SHAPE_SENTENCE_OPENINGS = ('', 'There is ')
#: New words of the free forms → the fixed grammar's word of the same meaning, from whose
#: embedding row a text encoder's row for the new word can start
#: (:func:`mmdmgan.models.damsm.extend_word_embedding`).
SYNONYMS = {'tiny': 'small', 'little': 'small', 'big': 'large', 'huge': 'large',
            'disc': 'circle', 'box': 'square', 'rhombus': 'diamond', 'centred': 'centre',
            'centered': 'centre', 'edge': 'side'}
_ORDERS = ('object_first', 'background_first', 'attributes_after')
SPLIT_CODES = {'train': 0, 'test': 1, 'heldout': 2}
#: What :func:`swap_attribute` may change: a shape's colour, shape, size or position, or the
#: background colour.
SWAP_ATTRIBUTES = ('colour', 'shape', 'size', 'position', 'background')
# Two shapes take distinct side positions (never the centre) so they never overlap.
_PAIR_POSITIONS = ('left', 'right', 'top', 'bottom')
_COLOUR_NAMES = tuple(COLOURS)
_POSITION_NAMES = tuple(POSITIONS)
#: The names command-line tools accept for the shapes vocabularies (``--vocab``) → ``free_form``
#: of :func:`shapes_vocabulary`.
SHAPES_VOCABULARY_NAMES = {'shapes': False, 'shapes_free': True}


def shapes_vocabulary(free_form: bool = False) -> Vocabulary:
    """Every word the caption grammar can produce (fixed, independent of the seed).

    Args:
        free_form (bool): False: the words of the fixed grammar (``caption_form=
            'templated'``). True: those words with the same ids, then the words of the other
            :data:`CAPTION_FORMS` appended, so a model trained on the fixed grammar keeps
            its word ids.
    """
    phrases = ([template.replace('{objects}', '').replace('{background}', '')
                for template in TEMPLATES] + list(SIZES) + list(COLOURS) + list(SHAPES)
               + ['a and'] + [phrase for options in POSITION_PHRASES.values()
                              for phrase in options])
    if free_form:
        phrases += ([word for words in SIZE_WORDS.values() for word in words]
                    + [word for words in SHAPE_WORDS.values() for word in words]
                    + [phrase for options in FREE_POSITION_PHRASES.values()
                       for phrase in options]
                    + [phrase.format(background='') for phrase in BACKGROUND_PHRASES
                       + BACKGROUND_SENTENCES + SHAPE_SENTENCE_OPENINGS] + ['an'])
    return Vocabulary.build(tokenize(phrase) for phrase in phrases)


def max_caption_words(free_form: bool = False) -> int:
    """The longest caption the grammar can produce (two shapes, longest phrases); use a
    ``words_num`` at least this large to keep every word of the shapes captions.

    Args:
        free_form (bool): Count the forms of :data:`CAPTION_FORMS` besides the fixed grammar.
    """
    template_words = max(len(template.replace('{objects}', '').split()) for template in TEMPLATES)
    longest_phrase = max(len(phrase.split()) for options in POSITION_PHRASES.values()
                         for phrase in options)
    if not free_form:
        return template_words + 2 * (4 + longest_phrase) + 1
    longest_phrase = max(len(phrase.split()) for options in FREE_POSITION_PHRASES.values()
                         for phrase in options)
    background_words = max(len(tokenize(phrase.format(background='red')))
                           for phrase in BACKGROUND_PHRASES + BACKGROUND_SENTENCES)
    opening_words = max(len(tokenize(opening)) for opening in SHAPE_SENTENCE_OPENINGS)
    return max(template_words, background_words + opening_words) + 2 * (4 + longest_phrase) + 1


def _normalise_pairs(pairs: Iterable[Sequence[str]]) -> frozenset:
    normalised = set()
    for pair in pairs:
        colour, shape = pair
        if colour not in COLOURS or shape not in SHAPES:
            raise ValueError(f'held-out pair {tuple(pair)} must be (colour, shape) with colour in '
                             f'{list(COLOURS)} and shape in {list(SHAPES)}')
        normalised.add((colour, shape))
    return frozenset(normalised)


def sample_scene(seed: int, split: str, index: int,
                 heldout_pairs: Iterable[Sequence[str]] = (),
                 captions_per_image: int = 5, max_objects: int = 2,
                 caption_form: str = 'templated') -> dict:
    """Draw one scene and its captions, deterministically from ``(seed, split, index)``.

    Args:
        seed (int): Dataset seed.
        split (str): ``'train'``, ``'test'`` (both without held-out pairs) or
            ``'heldout'`` (the first shape always is a held-out pair).
        index (int): Scene index within the split.
        heldout_pairs (Iterable): (colour, shape) pairs kept out of train/test.
        captions_per_image (int): Number of captions (templates are cycled).
        max_objects (int): 2 (one or two shapes per scene) or 1 (always one shape).
        caption_form (str): How the captions are worded, of :data:`CAPTION_FORMS`; the
            scene does not depend on it (captions are drawn after the scene).

    Returns:
        dict: ``background`` (colour name), ``objects`` (list of dicts with ``shape``,
        ``colour``, ``size``, ``position``), ``captions`` (list[str]) and ``class_id``
        (see :func:`scene_class_id`); for a ``caption_form`` other than ``'templated'``
        also ``caption_names``: per caption, which of ``'size'`` and ``'position'`` it
        names (what it leaves open, the scene still decides).
    """
    _check_caption_form(caption_form)
    if split not in SPLIT_CODES:
        raise ValueError(f'split must be one of {list(SPLIT_CODES)}, got {split!r}')
    heldout = _normalise_pairs(heldout_pairs)
    if split == 'heldout' and not heldout:
        raise ValueError('the heldout split needs at least one held-out (colour, shape) pair')
    if max_objects not in (1, 2):
        raise ValueError(f'max_objects must be 1 or 2, got {max_objects!r}')
    rng = np.random.default_rng([seed, SPLIT_CODES[split], index])
    # Drawn for max_objects=1 too, so both settings consume the same random stream.
    num_objects = min(1 + int(rng.integers(2)), max_objects)
    if num_objects == 1:
        positions = [_POSITION_NAMES[int(rng.integers(len(_POSITION_NAMES)))]]
    else:
        first, second = rng.choice(len(_PAIR_POSITIONS), 2, replace=False)
        positions = [_PAIR_POSITIONS[first], _PAIR_POSITIONS[second]]
    background = _COLOUR_NAMES[int(rng.integers(len(_COLOUR_NAMES)))]
    heldout_list = sorted(heldout)
    objects = []
    for number, position in enumerate(positions):
        if split == 'heldout' and number == 0:
            colour, shape = heldout_list[int(rng.integers(len(heldout_list)))]
            if colour == background:  # keep the shape visible
                background = _COLOUR_NAMES[(_COLOUR_NAMES.index(colour) + 1
                                            + int(rng.integers(len(_COLOUR_NAMES) - 1)))
                                           % len(_COLOUR_NAMES)]
        else:
            while True:
                colour = _COLOUR_NAMES[int(rng.integers(len(_COLOUR_NAMES)))]
                shape = SHAPES[int(rng.integers(len(SHAPES)))]
                if colour != background and (split == 'heldout'
                                             or (colour, shape) not in heldout):
                    break
        size = 'large' if rng.integers(2) else 'small'
        objects.append(dict(shape=shape, colour=colour, size=size, position=position))
    return _with_captions(dict(background=background, objects=objects,
                               class_id=scene_class_id(objects[0])),
                          rng, captions_per_image, caption_form)


def _check_caption_form(caption_form: str) -> None:
    if caption_form not in CAPTION_FORMS:
        raise ValueError(f'caption_form must be one of {CAPTION_FORMS}, got {caption_form!r}')


def _with_captions(scene: dict, rng: np.random.Generator, captions_per_image: int,
                   caption_form: str, templates: Sequence[str] = TEMPLATES,
                   must_name: Collection[str] = ()) -> dict:
    """``scene`` with captions of ``caption_form`` drawn from ``rng`` (see
    :func:`sample_scene`); ``must_name``: attributes every caption names."""
    if caption_form == 'templated':
        scene['captions'] = scene_captions(scene['objects'], scene['background'], rng,
                                           captions_per_image, templates)
        return scene
    described = [free_caption(scene['objects'], scene['background'], rng, caption_form,
                              must_name) for _ in range(captions_per_image)]
    scene['captions'] = [caption for caption, _ in described]
    scene['caption_names'] = [names for _, names in described]
    return scene


def _pick(options: Sequence[str], rng: np.random.Generator, varied: bool) -> str:
    """The first option (the fixed grammar's word), or a random one when ``varied``."""
    return options[int(rng.integers(len(options)))] if varied else options[0]


def free_caption(objects: List[dict], background: str, rng: np.random.Generator,
                 caption_form: str, must_name: Collection[str] = ()) -> Tuple[str, List[str]]:
    """One caption of a scene in a form of :data:`CAPTION_FORMS` other than ``'templated'``.

    Args:
        objects (list[dict]): The scene's shapes (see :func:`sample_scene`).
        background (str): The scene's background colour.
        rng (np.random.Generator): Source of every choice.
        caption_form (str): The form (see :data:`CAPTION_FORMS`).
        must_name (Collection[str]): ``'size'`` and/or ``'position'``: name them whatever
            the form would draw (for a one-word negative that changed them).

    Returns:
        tuple[str, list[str]]: The caption, e.g. "On blue, a big red circle." and which of
        ``'size'``, ``'position'`` it names.

    Raises:
        ValueError: When ``must_name`` asks for what the form never names.
    """
    _check_caption_form(caption_form)
    if caption_form == 'templated':
        raise ValueError("free_caption words the forms besides 'templated'; use scene_captions")
    free = caption_form == 'free'
    names = {'size': caption_form != 'no_size' and (not free or bool(rng.integers(2))),
             'position': caption_form != 'no_position' and (not free or bool(rng.integers(2)))}
    _check_swappable(must_name, caption_form)
    for attribute in must_name:
        names[attribute] = True
    varied = caption_form == 'synonyms' or (free and bool(rng.integers(2)))
    if caption_form == 'reordered':
        order = _ORDERS[1 + int(rng.integers(2))]
    elif caption_form == 'multi_sentence':  # the background sentence first or last
        order = _ORDERS[int(rng.integers(2))]
    elif free:
        order = _ORDERS[int(rng.integers(len(_ORDERS)))]
    else:
        order = 'object_first'
    sentences = caption_form == 'multi_sentence' or (free and rng.random() < 0.3)

    phrases = []
    for obj in objects:
        size = _pick(SIZE_WORDS[obj['size']], rng, varied) if names['size'] else ''
        shape = _pick(SHAPE_WORDS[obj['shape']], rng, varied)
        position = (_pick(FREE_POSITION_PHRASES[obj['position']], rng, varied)
                    if names['position'] else '')
        if order == 'attributes_after':
            words = ', '.join(part for part in (f"{obj['colour']} {shape}", size, position)
                              if part)
        else:
            words = ' '.join(part for part in (size, obj['colour'], shape, position) if part)
        article = 'an' if words[0] in 'aeiou' else 'a'
        phrases.append(f'{article} {words}')
    shapes_text = ' and '.join(phrases)
    if sentences:
        background_text = _pick(BACKGROUND_SENTENCES, rng, True).format(background=background)
        shapes_text = _pick(SHAPE_SENTENCE_OPENINGS, rng, True) + shapes_text
        shapes_text = shapes_text[0].upper() + shapes_text[1:] + '.'
        parts = ((background_text, shapes_text) if order == 'background_first'
                 else (shapes_text, background_text))
        caption = ' '.join(parts)
    else:
        # "with a red background, ..." does not open a sentence.
        options = BACKGROUND_PHRASES[:-1] if order == 'background_first' else BACKGROUND_PHRASES
        background_text = _pick(options, rng, varied).format(background=background)
        if order == 'background_first':
            caption = f'{background_text}, {shapes_text}'
        elif order == 'attributes_after':
            caption = f'{shapes_text}, {background_text}'
        else:
            caption = f'{shapes_text} {background_text}'
    return caption, [attribute for attribute in ('size', 'position') if names[attribute]]


def scene_captions(objects: List[dict], background: str, rng: np.random.Generator,
                   captions_per_image: int,
                   templates: Sequence[str] = TEMPLATES) -> List[str]:
    """Captions of a scene: ``templates`` in turn, a position phrase drawn from ``rng``."""
    captions = []
    for number in range(captions_per_image):
        phrases = [f"a {obj['size']} {obj['colour']} {obj['shape']} "
                   f"{POSITION_PHRASES[obj['position']][int(rng.integers(3))]}"
                   for obj in objects]
        captions.append(templates[number % len(templates)].format(
            objects=' and '.join(phrases), background=background))
    return captions


def _check_swap_attributes(attributes: Sequence[str], name: str) -> None:
    if isinstance(attributes, str) or not attributes or (
            set(attributes) - set(SWAP_ATTRIBUTES)):
        raise ValueError(f'{name} must be a non-empty subset of {SWAP_ATTRIBUTES}, '
                         f'got {attributes!r}')


def _check_colour_neighbours(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f'{name} must be an int >= 0 (0: any colour), got {value!r}')


def _nearest_colours(candidates: List[str], colour: str, count: int) -> List[str]:
    """The ``count`` candidates nearest to ``colour`` in RGB (all of them for 0)."""
    if not count:
        return candidates
    rgb = np.array(COLOURS[colour])
    return sorted(candidates,
                  key=lambda other: float(((np.array(COLOURS[other]) - rgb) ** 2).sum()))[:count]


def swap_candidates(scene: dict, heldout_pairs: Iterable[Sequence[str]] = (),
                    target: int = 0, colour_neighbours: int = 0) -> Dict[str, List[str]]:
    """What each attribute may become in a one-word swap of ``scene`` (see
    :func:`swap_attribute`): shape ``target``'s colour, shape, size and position, and the
    background, keeping the scene one the grammar can produce without ``heldout_pairs``.

    Returns:
        dict: Attribute of :data:`SWAP_ATTRIBUTES` → its valid new values (may be empty).
    """
    heldout = _normalise_pairs(heldout_pairs)
    objects = scene['objects']
    background = scene['background']
    obj = objects[target]
    taken_positions = {other['position'] for other in objects if other is not obj}
    free_positions = _POSITION_NAMES if len(objects) == 1 else _PAIR_POSITIONS
    return {
        'colour': _nearest_colours(
            [colour for colour in _COLOUR_NAMES
             if colour not in (obj['colour'], background)
             and (colour, obj['shape']) not in heldout], obj['colour'], colour_neighbours),
        'shape': [shape for shape in SHAPES
                  if shape != obj['shape'] and (obj['colour'], shape) not in heldout],
        'size': [size for size in SIZES if size != obj['size']],
        'position': [position for position in free_positions
                     if position != obj['position'] and position not in taken_positions],
        'background': [colour for colour in _COLOUR_NAMES
                       if colour != background
                       and all(other['colour'] != colour for other in objects)],
    }


def swap_attribute(scene: dict, rng: np.random.Generator,
                   heldout_pairs: Iterable[Sequence[str]] = (),
                   captions_per_image: int = 5,
                   attributes: Sequence[str] = SWAP_ATTRIBUTES,
                   colour_neighbours: int = 0, caption_form: str = 'templated') -> dict:
    """The scene with exactly one attribute changed: the hardest mismatched caption.

    One shape's colour, shape, size or position, or the background, is replaced (the
    attribute drawn uniformly among those that have a valid replacement); after a background
    change every caption names the background. The result stays a scene the grammar can
    produce: shape colours differ from the background, two shapes keep distinct side
    positions, and no (colour, shape) of ``heldout_pairs`` is created.

    Args:
        scene (dict): A scene of :func:`sample_scene` (not modified).
        rng (np.random.Generator): Source of the choices.
        heldout_pairs (Iterable): (colour, shape) pairs the changed scene must not contain.
        captions_per_image (int): Captions of the changed scene.
        attributes (Sequence[str]): The attributes that may change, of
            :data:`SWAP_ATTRIBUTES`.
        colour_neighbours (int): 0: a changed shape colour is any valid colour; k > 0: one
            of the k valid colours nearest to it in RGB (red → orange, purple; blue →
            purple, cyan), the pairs a critic confuses most.
        caption_form (str): Wording of the new captions (:data:`CAPTION_FORMS`); a
            changed size or position is named in every caption, whatever the form would
            leave open.

    Returns:
        dict: Like :func:`sample_scene`'s, with new captions and ``class_id``.

    Raises:
        ValueError: When ``attributes`` holds one that ``caption_form`` never names
            (``'size'`` with ``'no_size'``, ``'position'`` with ``'no_position'``): such a
            caption would still describe the scene.
    """
    _check_swap_attributes(attributes, 'attributes')
    _check_colour_neighbours(colour_neighbours, 'colour_neighbours')
    _check_swappable(attributes, caption_form)
    objects = [dict(obj) for obj in scene['objects']]
    background = scene['background']
    target = int(rng.integers(len(objects)))
    obj = objects[target]
    candidates = swap_candidates(scene, heldout_pairs, target, colour_neighbours)
    possible = [attribute for attribute in SWAP_ATTRIBUTES
                if attribute in attributes and candidates[attribute]]
    if not possible:
        raise ValueError(f'no attribute of {tuple(attributes)} can change in this scene '
                         f'without making a held-out pair: {scene["objects"]}')
    attribute = possible[int(rng.integers(len(possible)))]
    value = candidates[attribute][int(rng.integers(len(candidates[attribute])))]
    templates = TEMPLATES
    if attribute == 'background':
        background = value
        # A caption that does not name the background would still describe the scene.
        templates = tuple(template for template in TEMPLATES if '{background}' in template)
    else:
        obj[attribute] = value
    return _with_captions(dict(background=background, objects=objects,
                               class_id=scene_class_id(objects[0])),
                          rng, captions_per_image, caption_form, templates,
                          must_name=[attribute] if attribute in ('size', 'position') else ())


def _check_swappable(attributes: Sequence[str], caption_form: str) -> None:
    _check_caption_form(caption_form)
    for attribute in ('size', 'position'):
        if caption_form == f'no_{attribute}' and attribute in attributes:
            others = tuple(other for other in attributes if other != attribute)
            raise ValueError(f'{caption_form!r} captions never name the {attribute}, so a '
                             f'caption cannot show a changed {attribute}: leave '
                             f"'{attribute}' out of the attributes to swap "
                             f'(e.g. swap_attributes={others})')


def scene_class_id(obj: dict) -> int:
    """Class of a scene: colour, shape and position of its first shape (250 classes)."""
    return ((_COLOUR_NAMES.index(obj['colour']) * len(SHAPES) + SHAPES.index(obj['shape']))
            * len(_POSITION_NAMES) + _POSITION_NAMES.index(obj['position']))


def _polygon(shape: str, centre: np.ndarray, radius: float) -> Optional[np.ndarray]:
    if shape == 'square':
        half = radius * 0.85
        offsets = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    elif shape == 'triangle':
        angles = np.deg2rad([-90, 30, 150])
        offsets = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    elif shape == 'star':
        angles = np.deg2rad(np.arange(10) * 36 - 90)
        radii = np.where(np.arange(10) % 2 == 0, radius, radius * 0.45)
        offsets = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    elif shape == 'diamond':
        offsets = np.array([[0, -radius], [radius * 0.75, 0], [0, radius], [-radius * 0.75, 0]])
    else:
        return None
    return np.round(centre + offsets).astype(np.int32)


def draw_shape(img: np.ndarray, shape: str, centre: Sequence[float], radius: float,
               colour: Sequence[int]) -> None:
    """Draw one filled, anti-aliased shape into ``img`` (H×W×C uint8, in place).

    Args:
        img (np.ndarray): The image.
        shape (str): One of :data:`SHAPES`.
        centre (Sequence[float]): (x, y) in pixels.
        radius (float): Circumradius in pixels.
        colour (Sequence[int]): One value per channel.
    """
    centre = np.asarray(centre, np.float64)
    polygon = _polygon(shape, centre, radius)
    if polygon is None:
        cv2.circle(img, tuple(int(round(value)) for value in centre),
                   int(round(radius)), tuple(colour), -1, cv2.LINE_AA)
    else:
        cv2.fillPoly(img, [polygon], tuple(colour), cv2.LINE_AA)


def render_scene(scene: dict, image_size: int = 64) -> np.ndarray:
    """Draw a scene from :func:`sample_scene` as an RGB uint8 image H×W×3."""
    img = np.empty((image_size, image_size, 3), dtype=np.uint8)
    img[:] = COLOURS[scene['background']]
    for obj in scene['objects']:
        draw_shape(img, obj['shape'], np.array(POSITIONS[obj['position']]) * image_size,
                   SIZES[obj['size']] * image_size, COLOURS[obj['colour']])
    return img


def render_batch(scenes: Sequence[dict], image_size: int = 64) -> torch.Tensor:
    """:func:`render_scene` of each scene, stacked as a B×3×S×S uint8 tensor."""
    images = np.stack([render_scene(scene, image_size) for scene in scenes])
    return torch.from_numpy(images).permute(0, 3, 1, 2)


@DATASETS.register_module()
class ShapesDataset(BaseCaptionDataset):
    """The captioned shapes in memory: scenes are drawn when an item is read.

    Items carry ``img`` already, so the pipeline starts at ``SampleCaption`` (no loading;
    and no horizontal flip, which would contradict "left"/"right" in the captions).

    Args:
        num_images (int): Number of scenes in the split.
        image_size (int): Side of the square images.
        seed (int): Scenes are a function of (seed, split, index).
        split (str): ``'train'``, ``'test'`` or ``'heldout'``.
        heldout_pairs (Sequence): (colour, shape) pairs kept out of train/test, e.g.
            ``[('red', 'circle'), ('blue', 'star')]``.
        captions_per_image (int): Captions per scene.
        max_objects (int): 2 (one or two shapes per scene) or 1 (always one).
        swap_attributes (Sequence[str]): What ``mismatch='attribute_swap'`` may change, of
            :data:`SWAP_ATTRIBUTES` (all by default); e.g. ``('shape',)`` makes every
            mismatched caption differ in the shape word only.
        swap_colour_neighbours (int): ``colour_neighbours`` of :func:`swap_attribute`: 0
            (default) swaps a shape's colour for any other; k > 0 for one of the k nearest.
        **kwargs: See :class:`BaseCaptionDataset`. Besides its ``mismatch`` modes,
            ``'attribute_swap'`` makes the mismatched caption describe the same scene with
            one attribute changed (:func:`swap_attribute`), so that the discriminator's
            mismatched-pair loss is about every word; a random other scene differs in its
            background most of the time, which a discriminator learns to check first.
        caption_form (str): How captions are worded, of :data:`CAPTION_FORMS`:
            ``'templated'`` (default) the fixed grammar; the others the forms people type
            (``'free'`` mixes them all). Any form but ``'templated'`` uses the
            ``shapes_vocabulary(free_form=True)`` vocabulary (the fixed grammar's word ids
            and more words) and words such as "a red circle, big, on blue" are tokenized as
            at inference (lower case, no punctuation). With ``mismatch='attribute_swap'``,
            ``'no_size'``/``'no_position'`` need ``swap_attributes`` without that attribute.
    """

    mismatch_modes = MISMATCH_MODES + ('attribute_swap', )

    def __init__(self, num_images: int = 1000, image_size: int = 64, seed: int = 0,
                 split: str = 'train', heldout_pairs: Sequence[Sequence[str]] = (),
                 captions_per_image: int = 5, max_objects: int = 2,
                 swap_attributes: Sequence[str] = SWAP_ATTRIBUTES,
                 swap_colour_neighbours: int = 0, caption_form: str = 'templated',
                 **kwargs) -> None:
        _check_swap_attributes(swap_attributes, 'ShapesDataset swap_attributes')
        _check_caption_form(caption_form)
        if kwargs.get('mismatch') == 'attribute_swap':
            _check_swappable(swap_attributes, caption_form)
        self.caption_form = caption_form
        _check_colour_neighbours(swap_colour_neighbours, 'ShapesDataset swap_colour_neighbours')
        self.swap_attributes = tuple(swap_attributes)
        self.swap_colour_neighbours = swap_colour_neighbours
        self.num_images = num_images
        self.image_size = image_size
        self.seed = seed
        self.split = split
        self.heldout_pairs = [tuple(pair) for pair in heldout_pairs]
        self.captions_per_image = captions_per_image
        self.max_objects = max_objects
        super().__init__(**kwargs)

    def load_image_infos(self) -> List[dict]:
        self.vocabulary = shapes_vocabulary(free_form=self.caption_form != 'templated')
        infos = []
        for index in range(self.num_images):
            scene = sample_scene(self.seed, self.split, index, self.heldout_pairs,
                                 self.captions_per_image, self.max_objects, self.caption_form)
            infos.append(dict(img_key=f'{self.split}_{index:06d}', class_id=scene['class_id'],
                              captions=self._token_ids(scene['captions']),
                              prompts=scene['captions'], scene=scene))
        return infos

    def _token_ids(self, captions: List[str]) -> List[List[int]]:
        # The grammar only makes vocabulary words: every word has an id.
        return [[self.vocabulary.wordtoix[word] for word in tokenize(text)] for text in captions]

    def get_data_info(self, idx: int) -> dict:
        data_info = super().get_data_info(idx)
        data_info['img'] = render_scene(data_info['scene'], self.image_size)
        data_info['ori_shape'] = data_info['img'].shape[:2]
        return data_info

    def _attach_mismatch(self, index: int, data_info: dict) -> None:
        if self.mismatch != 'attribute_swap':
            super()._attach_mismatch(index, data_info)
            return
        # Train/test scenes never show a held-out pair, so their negatives must not name one.
        heldout = () if self.split == 'heldout' else self.heldout_pairs
        wrong = swap_attribute(data_info['scene'], self._item_rng(index), heldout,
                               self.captions_per_image, self.swap_attributes,
                               self.swap_colour_neighbours, self.caption_form)
        data_info.update(wrong_captions=self._token_ids(wrong['captions']),
                         wrong_prompts=wrong['captions'],
                         wrong_img_key=f"{data_info['img_key']}_swapped",
                         wrong_class_id=wrong['class_id'])


def write_shapes_dataset(out_dir: str, num_images: Dict[str, int], image_size: int = 64,
                         seed: int = 0, heldout_pairs: Sequence[Sequence[str]] = (),
                         captions_per_image: int = 5, image_ext: str = '.png',
                         max_objects: int = 2, caption_form: str = 'templated') -> Dict[str, int]:
    """Write the shapes in the generic layout: ``images/``, ``captions.jsonl`` (with the
    scene description under ``background``/``objects``), ``<split>.txt`` per split and
    ``vocab.json``.

    Args:
        out_dir (str): Output folder (created).
        num_images (dict): Scenes per split, e.g. ``{'train': 5000, 'test': 500}``.
        image_size (int): Image side.
        seed (int): Seed of every split.
        heldout_pairs (Sequence): See :class:`ShapesDataset`.
        captions_per_image (int): Captions per scene.
        image_ext (str): ``'.png'`` (lossless, exact colours) or ``'.jpg'``.
        max_objects (int): See :class:`ShapesDataset`.
        caption_form (str): See :class:`ShapesDataset`; any form but ``'templated'`` writes
            the ``shapes_vocabulary(free_form=True)`` vocabulary.

    Returns:
        dict: Images written per split.
    """
    _check_caption_form(caption_form)
    os.makedirs(os.path.join(out_dir, 'images'), exist_ok=True)
    with open(os.path.join(out_dir, 'captions.jsonl'), 'w', encoding='utf-8') as jsonl:
        for split, count in num_images.items():
            names = []
            for index in range(count):
                scene = sample_scene(seed, split, index, heldout_pairs, captions_per_image,
                                     max_objects, caption_form)
                name = f'{split}_{index:06d}{image_ext}'
                image = render_scene(scene, image_size)
                path = os.path.join(out_dir, 'images', name)
                if not cv2.imwrite(path, np.ascontiguousarray(image[:, :, ::-1])):
                    raise OSError(f'could not write {path}')
                jsonl.write(json.dumps(dict(image=name, captions=scene['captions'],
                                            class_id=scene['class_id'],
                                            background=scene['background'],
                                            objects=scene['objects'])) + '\n')
                names.append(name)
            with open(os.path.join(out_dir, f'{split}.txt'), 'w', encoding='utf-8') as file:
                file.write(''.join(f'{name}\n' for name in names))
    shapes_vocabulary(free_form=caption_form != 'templated').save(
        os.path.join(out_dir, 'vocab.json'))
    return dict(num_images)
