"""Which caption words a shapes DAMSM can check: image-text matching against one-word swaps.

    python tools/shapes_demo/damsm_swap_accuracy.py CONFIG CHECKPOINT [--split test] [--num 200]
        [--caption-form templated] [--discriminators] [--shape-table] [--colour-table]
        [--probe N]

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

``--caption-form`` words both captions of each swap in another form of ``ShapesDataset``'s
``caption_form`` (``no_position``, ``synonyms``, ``free``, ...; the two from one random
stream, so they differ in the swapped word only; a changed size or position is named in
both, and a form that never names the size or the position has no such swap). Those forms
need a text encoder of the 60-word free-form vocabulary.

With ``--discriminators`` CONFIG/CHECKPOINT are a DM-GAN training run (``iter_N.pth``) and
each discriminator's sentence-conditional logit D_k(x, s) is scored the same way
(``discriminator_swap_accuracy``, keys ``d0``, ``d1``, ...; the images resized as the data
preprocessor does in training): the words a discriminator does not check are words the
generator is not pushed to draw.

With ``--shape-table`` the shape swap is also scored for every (true shape, other shape)
pair (``shape_swap_table``, per scorer): a mean over random swaps hides a critic that tells
rounded from pointed shapes but not the shapes of a family apart; and the mean cosine between
the sentence vectors of a caption and of its shape swaps (``shape_sentence_cosine``): near 1,
no critic conditioned on them can tell the two shapes apart. ``--colour-table`` does the
same for the shape's colour (``colour_swap_table``, ``colour_sentence_cosine``): uniform
random swaps seldom ask for red against orange or pink.

With ``--probe N`` a linear classifier is fitted to read the shape from the sentence vectors
of N training scenes' captions and scored on each split (``sentence_shape_probe``): the
generator's first stage and the discriminators see the caption through that vector only.
"""
import argparse
import json
from typing import Callable, Dict, List, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import Tensor

from mmdmgan.apis import init_full_model
from mmdmgan.datasets.shapes import (
    CAPTION_FORMS,
    COLOURS,
    SHAPES,
    SWAP_ATTRIBUTES,
    free_caption,
    max_caption_words,
    render_batch,
    sample_scene,
    scene_captions,
    shapes_vocabulary,
    swap_attribute,
    swap_candidates,
)
from mmdmgan.models.utils import load_encoder_weights
from mmdmgan.registry import MODELS
from mmdmgan.utils.cli import run_cli


def first_caption(scene: dict, caption_form: str = 'templated', must_name: Sequence[str] = (),
                  wording_seed: int = 0) -> str:
    """The scene's caption, worded so that a swapped scene is worded alike: in the first
    template (which names the background) with the position phrase drawn from a fixed stream,
    or for another ``caption_form`` (``CAPTION_FORMS``) from the stream ``wording_seed``,
    naming ``must_name`` (``'size'``, ``'position'``) whatever the form would draw."""
    if caption_form == 'templated':
        return scene_captions(scene['objects'], scene['background'],
                              np.random.default_rng(0), 1)[0]
    return free_caption(scene['objects'], scene['background'],
                        np.random.default_rng(wording_seed), caption_form, must_name)[0]


def caption_tensors(captions: Sequence[str], free_form: bool = False) -> tuple:
    """Token ids (B×T, zero padded, nothing cut) and lengths (B) of shapes captions, in the
    fixed-grammar or the free-form vocabulary."""
    vocabulary = shapes_vocabulary(free_form)
    encoded = [vocabulary.encode(caption, max_caption_words(free_form)) for caption in captions]
    return (torch.stack([ids for ids, _ in encoded]),
            torch.tensor([length for _, length in encoded]))


def swappable_attributes(caption_form: str) -> List[str]:
    """The attributes whose swap a caption of ``caption_form`` can show (a form without the
    size or the position never names a changed one)."""
    return [attribute for attribute in SWAP_ATTRIBUTES if caption_form != f'no_{attribute}']


#: A scorer: (B×3×S×S uint8 images, K·B×D sentences, K blocks of B) → K·B scores.
Scorer = Callable[[Tensor, Tensor], Tensor]


def damsm_scorer(image_encoder: torch.nn.Module) -> Scorer:
    """The DAMSM sentence score cos(image code, sentence)."""
    def score(images: Tensor, sentences: Tensor) -> Tensor:
        _, image_code = image_encoder(images.float() / 127.5 - 1)
        return torch.cosine_similarity(
            image_code.repeat(len(sentences) // len(images), 1), sentences)
    return score


def discriminator_scorer(discriminator: torch.nn.Module,
                         resize: Callable[[Tensor], Tensor]) -> Scorer:
    """A DM-GAN discriminator's sentence-conditional logit; ``resize`` makes its input
    (B×3×S×S in [-1, 1]) from the uint8 images, as the data preprocessor does in training."""
    def score(images: Tensor, sentences: Tensor) -> Tensor:
        features = discriminator(resize(images))
        return discriminator.logits(
            features.repeat(len(sentences) // len(images), 1, 1, 1), sentences)
    return score


@torch.no_grad()
def swap_accuracies(text_encoder: torch.nn.Module, scorers: Dict[str, Scorer],
                    scenes: List[dict], image_size: int, heldout_pairs: Sequence = (),
                    seed: int = 0, batch_size: int = 50,
                    caption_form: str = 'templated') -> Dict[str, Dict[str, float]]:
    """Per scorer and attribute, the fraction of scenes whose true caption outscores its swap.

    Args:
        text_encoder (nn.Module): DAMSM text encoder (eval mode).
        scorers (dict[str, Scorer]): Name → image-sentence score (higher: a better match).
        scenes (list[dict]): Scenes of :func:`sample_scene`.
        image_size (int): Side the scenes are rendered at.
        heldout_pairs (Sequence): (colour, shape) pairs the swaps must not create.
        seed (int): Seed of the swaps.
        batch_size (int): Scenes encoded at once.
        caption_form (str): How both captions are worded (``CAPTION_FORMS``); a changed
            size or position is named in both. Forms other than ``'templated'`` use the
            free-form vocabulary.

    Returns:
        dict[str, dict[str, float]]: Scorer name → attribute name → swap accuracy (the
        attributes of :func:`swappable_attributes`).
    """
    rng = np.random.default_rng(seed)
    attributes = swappable_attributes(caption_form)
    wins = {name: {attribute: [] for attribute in attributes} for name in scorers}
    for start in range(0, len(scenes), batch_size):
        batch = scenes[start:start + batch_size]
        images = render_batch(batch, image_size)
        true_captions, swapped_captions = [], []
        for attribute in attributes:
            must_name = [attribute] if attribute in ('size', 'position') else []
            for index, scene in enumerate(batch, start=start):
                swapped = swap_attribute(scene, rng, heldout_pairs, 1, (attribute, ),
                                         caption_form=caption_form)
                true_captions.append(first_caption(scene, caption_form, must_name, index))
                swapped_captions.append(first_caption(swapped, caption_form, must_name, index))
        _, sentences = text_encoder(*caption_tensors(true_captions + swapped_captions,
                                                     caption_form != 'templated'))
        for name, score in scorers.items():
            scores = score(images, sentences).view(2, len(attributes), len(batch))
            for number, attribute in enumerate(attributes):
                wins[name][attribute] += (scores[0, number] > scores[1, number]).tolist()
    return {name: {attribute: round(float(np.mean(values)), 4)
                   for attribute, values in per_attribute.items()}
            for name, per_attribute in wins.items()}


def swap_accuracy(text_encoder: torch.nn.Module, image_encoder: torch.nn.Module,
                  scenes: List[dict], image_size: int, heldout_pairs: Sequence = (),
                  seed: int = 0, batch_size: int = 50,
                  caption_form: str = 'templated') -> Dict[str, float]:
    """:func:`swap_accuracies` of the DAMSM sentence score alone: attribute → accuracy."""
    return swap_accuracies(text_encoder, dict(damsm=damsm_scorer(image_encoder)), scenes,
                           image_size, heldout_pairs, seed, batch_size, caption_form)['damsm']


#: What the swap tables cover: an attribute of the first shape → the values it can take.
TABLE_VALUES = {'shape': SHAPES, 'colour': tuple(COLOURS)}


@torch.no_grad()
def swap_table(text_encoder: torch.nn.Module, scorers: Dict[str, Scorer], scenes: List[dict],
               image_size: int, attribute: str = 'shape', heldout_pairs: Sequence = (),
               batch_size: int = 50) -> Dict[str, Dict[str, Dict[str, float]]]:
    """The ``attribute`` swap of :func:`swap_accuracies` for every (true, other) value pair.

    Every scene's (first) shape gets each other value of ``attribute`` in turn
    (:data:`TABLE_VALUES`) that training's swaps allow (``swap_candidates``: no
    ``heldout_pairs``, no shape in the background's colour). A critic that tells rounded
    from pointed shapes but not the shapes of a family apart scores about 1 across families
    and about 0.5 (or a bias one way) within them, which the mean over random swaps hides.

    Returns:
        dict: Scorer name → true value → other value → swap accuracy (absent: no scene).
    """
    values = TABLE_VALUES[attribute]
    wins = {name: {true: {other: [] for other in values if other != true} for true in values}
            for name in scorers}
    for start in range(0, len(scenes), batch_size):
        batch = scenes[start:start + batch_size]
        images = render_batch(batch, image_size)
        captions = [first_caption(scene) for scene in batch]
        captions += [first_caption(with_attribute(scene, attribute, other))
                     for other in values for scene in batch]
        _, sentences = text_encoder(*caption_tensors(captions))
        allowed = [swap_candidates(scene, heldout_pairs)[attribute] for scene in batch]
        for name, score in scorers.items():
            scores = score(images, sentences).view(len(values) + 1, len(batch))
            for index, scene in enumerate(batch):
                true = scene['objects'][0][attribute]
                for number, other in enumerate(values, start=1):
                    if other in allowed[index]:
                        wins[name][true][other].append(
                            bool(scores[0, index] > scores[number, index]))
    return {name: {true: {other: round(float(np.mean(outcomes)), 4)
                          for other, outcomes in row.items() if outcomes}
                   for true, row in table.items()}
            for name, table in wins.items()}


def with_attribute(scene: dict, attribute: str, value: str) -> dict:
    """The scene with its first object's ``attribute`` replaced by ``value``."""
    return dict(scene, objects=[dict(scene['objects'][0], **{attribute: value})]
                + scene['objects'][1:])


@torch.no_grad()
def sentence_cosine(text_encoder: torch.nn.Module, scenes: List[dict],
                    attribute: str = 'shape',
                    batch_size: int = 50) -> Dict[str, Dict[str, float]]:
    """Mean cosine between the sentence vector of a caption and that of the same caption with
    another ``attribute`` word for its first shape: near 1, no image code and no
    sentence-conditional logit can tell those two values apart, whatever the image side sees.

    Returns:
        dict: Value → other value → mean cosine over the scenes (every pair, any split).
    """
    values = TABLE_VALUES[attribute]
    sums = torch.zeros(len(values), len(values))
    for start in range(0, len(scenes), batch_size):
        batch = scenes[start:start + batch_size]
        _, sentences = text_encoder(*caption_tensors(
            [first_caption(with_attribute(scene, attribute, value))
             for scene in batch for value in values]))
        sentences = torch.nn.functional.normalize(sentences.view(len(batch), len(values), -1),
                                                  dim=-1)
        sums += torch.einsum('bid,bjd->ij', sentences, sentences)
    return {value: {other: round(float(sums[i, j]) / len(scenes), 4)
                    for j, other in enumerate(values) if other != value}
            for i, value in enumerate(values)}


@torch.no_grad()
def _encode_sentences(text_encoder: torch.nn.Module, scenes: List[dict],
                      batch_size: int = 250) -> Tensor:
    """Sentence vectors (N×D) of the scenes' :func:`first_caption`."""
    return torch.cat([text_encoder(*caption_tensors(
        [first_caption(scene) for scene in scenes[start:start + batch_size]]))[1]
        for start in range(0, len(scenes), batch_size)])


def sentence_shape_probe(text_encoder: torch.nn.Module, scenes: Dict[str, List[dict]],
                         train: str = 'train', steps: int = 500) -> Dict[str, float]:
    """How well a linear classifier reads the (first) shape from sentence vectors.

    A multinomial logistic regression on standardised sentence vectors is fitted (full
    batch, Adam, fixed seed) to the scenes of ``train`` and scored on every split. The
    generator's first stage and the discriminators' conditional logits see the caption only
    through the sentence vector: a shape this probe cannot read from it is one they cannot
    tell apart either. The probe learns the training data's correlations too (held-out pairs
    never occur there, so the colour word counts against their shape).

    Args:
        text_encoder (nn.Module): DAMSM text encoder (eval mode).
        scenes (dict[str, list[dict]]): Split name → scenes of :func:`sample_scene`.
        train (str): The split to fit on.
        steps (int): Optimisation steps.

    Returns:
        dict[str, float]: Split name → fraction of scenes whose shape the probe names.
    """
    sentences = {split: _encode_sentences(text_encoder, split_scenes)
                 for split, split_scenes in scenes.items()}
    labels = {split: torch.tensor([SHAPES.index(scene['objects'][0]['shape'])
                                   for scene in split_scenes])
              for split, split_scenes in scenes.items()}
    mean, std = sentences[train].mean(0), sentences[train].std(0) + 1e-6
    generator = torch.Generator().manual_seed(0)
    weight = (torch.randn(sentences[train].shape[1], len(SHAPES), generator=generator) * 0.01
              ).requires_grad_()
    bias = torch.zeros(len(SHAPES), requires_grad=True)
    optimizer = torch.optim.Adam([weight, bias], lr=1e-2)
    inputs = (sentences[train] - mean) / std
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(inputs @ weight + bias, labels[train]).backward()
        optimizer.step()
    with torch.no_grad():
        return {split: round(float(((((sentences[split] - mean) / std) @ weight + bias)
                                    .argmax(1) == labels[split]).float().mean()), 4)
                for split in scenes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a DAMSM or DM-GAN shapes config')
    parser.add_argument('checkpoint', help='checkpoint with both DAMSM encoders')
    parser.add_argument('--split', choices=['heldout', 'test'], default='test')
    parser.add_argument('--num', type=int, default=200, help='scenes to score')
    parser.add_argument('--data-seed', type=int, default=0, help='ShapesDataset seed')
    parser.add_argument('--seed', type=int, default=0, help='seed of the swaps')
    parser.add_argument('--caption-form', choices=CAPTION_FORMS, default='templated',
                        help='how both captions of a swap are worded (ShapesDataset '
                             'caption_form; forms besides templated need a text encoder of '
                             'the free-form vocabulary)')
    parser.add_argument('--discriminators', action='store_true',
                        help='CONFIG/CHECKPOINT are a DM-GAN training run: also score each '
                             "discriminator's sentence-conditional logit")
    parser.add_argument('--shape-table', action='store_true',
                        help='also score every (true shape, other shape) swap')
    parser.add_argument('--colour-table', action='store_true',
                        help="also score every (true colour, other colour) swap of the shape's "
                             'colour')
    parser.add_argument('--probe', type=int, default=0, metavar='N',
                        help='also fit a linear probe of the shape on the sentence vectors of '
                             'N training scenes and score it on --num scenes of each split')
    args = parser.parse_args()
    if args.num < 1:
        parser.error(f'--num must be at least 1, got {args.num}')
    if args.probe < 0:
        parser.error(f'--probe must be >= 0, got {args.probe}')
    templated_only = [option for option, value in (
        ('--shape-table', args.shape_table), ('--colour-table', args.colour_table),
        ('--probe', args.probe)) if value]
    if args.caption_form != 'templated' and templated_only:
        parser.error(f'{", ".join(templated_only)} word the captions in the fixed grammar: '
                     f'leave out --caption-form {args.caption_form}')

    cfg = Config.fromfile(args.config)
    init_default_scope('mmdmgan')
    free_words = len(shapes_vocabulary(free_form=True))
    vocab_size = cfg.model.text_encoder.get('vocab_size')
    if args.caption_form != 'templated' and vocab_size != free_words:
        parser.error(f'--caption-form {args.caption_form} words captions in the {free_words}-word '
                     f'free-form vocabulary, but the text encoder of {args.config} embeds '
                     f'{vocab_size} words (tools/shapes_demo/extend_vocabulary.py grows one)')
    pairs = [tuple(pair) for pair in cfg.get('heldout_pairs', [])]
    dataset = cfg.train_dataloader.dataset
    max_objects = dataset.get('max_objects', 2)
    if args.discriminators:
        try:  # the generator is not used: a run without an EMA copy is fine
            model = init_full_model(cfg, args.checkpoint, sample_model='orig')
        except RuntimeError as error:
            raise RuntimeError('--discriminators needs a DM-GAN training checkpoint '
                               f'(work_dirs/.../iter_N.pth) of CONFIG: {error}') from None
        text_encoder, image_encoder = model.text_encoder, model.image_encoder
        scorers = dict(damsm=damsm_scorer(image_encoder))
        for k, discriminator in enumerate(model.discriminators):
            scorers[f'd{k}'] = discriminator_scorer(
                discriminator,
                lambda images, k=k: model.data_preprocessor.build_pyramid(images)[k])
    else:
        encoders = {}
        for prefix in ('text_encoder', 'image_encoder'):
            encoders[prefix] = MODELS.build(cfg.model[prefix])
            load_encoder_weights(encoders[prefix], args.checkpoint, prefix)
            encoders[prefix].eval()
        text_encoder = encoders['text_encoder']
        scorers = dict(damsm=damsm_scorer(encoders['image_encoder']))
    scenes = [sample_scene(args.data_seed, args.split, index, pairs, max_objects=max_objects)
              for index in range(args.num)]
    # A held-out scene's swaps may name held-out pairs; a test scene's never do.
    forbidden = pairs if args.split == 'test' else ()
    accuracy = swap_accuracies(text_encoder, scorers, scenes, dataset.image_size, forbidden,
                               args.seed, caption_form=args.caption_form)
    report = dict(split=args.split, num=args.num, caption_form=args.caption_form,
                  heldout_pairs=pairs, max_objects=max_objects,
                  swap_accuracy=accuracy.pop('damsm'), chance=0.5)
    if accuracy:
        report['discriminator_swap_accuracy'] = accuracy
    for attribute in [name for name in TABLE_VALUES if getattr(args, f'{name}_table')]:
        report[f'{attribute}_swap_table'] = swap_table(
            text_encoder, scorers, scenes, dataset.image_size, attribute, forbidden)
        report[f'{attribute}_sentence_cosine'] = sentence_cosine(text_encoder, scenes, attribute)
    if args.probe:
        splits = dict(train=args.probe, test=args.num)
        if pairs:
            splits['heldout'] = args.num
        report['sentence_shape_probe'] = sentence_shape_probe(text_encoder, {
            split: [sample_scene(args.data_seed, split, index, pairs, max_objects=max_objects)
                    for index in range(num)] for split, num in splits.items()})
    print(json.dumps(report))


if __name__ == '__main__':
    run_cli(main)
