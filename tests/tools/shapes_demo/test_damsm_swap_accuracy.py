"""tools/shapes_demo/damsm_swap_accuracy.py: the comparison on encoders whose answer is known,
and the tool end to end."""
import json

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdmgan.datasets.shapes import (
    COLOURS,
    SHAPES,
    SWAP_ATTRIBUTES,
    sample_scene,
    shapes_vocabulary,
)
from mmdmgan.registry import MODELS
from tests.conftest import load_script

TOOL = 'tools/shapes_demo/damsm_swap_accuracy.py'
DEMO_DAMSM = 'configs/shapes_demo/damsm_shapes_demo.py'
DEMO_DMGAN = 'configs/shapes_demo/dmgan_shapes_demo.py'

VOCABULARY = shapes_vocabulary()
PALETTE = torch.tensor(list(COLOURS.values()), dtype=torch.float32)
COLOUR_IDS = [VOCABULARY.wordtoix[name] for name in COLOURS]


class BackgroundOnlyImageEncoder(torch.nn.Module):
    """Image code: one-hot (over the vocabulary) of the corner pixel's colour word."""

    def forward(self, images):
        rgb = (images[:, :, 0, 0] + 1) * 127.5
        nearest = torch.cdist(rgb, PALETTE).argmin(1)
        code = torch.zeros(len(images), len(VOCABULARY))
        code[torch.arange(len(images)), torch.tensor(COLOUR_IDS)[nearest]] = 1
        return None, code


class BackgroundOnlyTextEncoder(torch.nn.Module):
    """Sentence: one-hot of the word before the last ("... on a <colour> background")."""

    def forward(self, caption_ids, caption_len):
        words = caption_ids[torch.arange(len(caption_ids)), caption_len - 2]
        return None, torch.nn.functional.one_hot(words, len(VOCABULARY)).float()


def test_swap_accuracy_credits_only_what_the_encoders_see():
    tool = load_script(TOOL)
    scenes = [sample_scene(0, 'test', index, max_objects=1) for index in range(30)]
    accuracy = tool.swap_accuracy(BackgroundOnlyTextEncoder(), BackgroundOnlyImageEncoder(),
                                  scenes, image_size=64, batch_size=8)
    # Equal scores (every swap but the background's) are not a win.
    assert accuracy == {attribute: float(attribute == 'background')
                        for attribute in SWAP_ATTRIBUTES}


class BackgroundOnlyDiscriminator(torch.nn.Module):
    """Features: the background one-hot of 32 px images; logit: its dot with the sentence."""

    def forward(self, images):
        assert images.shape[-2:] == (32, 32) and images.min() >= -1  # resized, in [-1, 1]
        return BackgroundOnlyImageEncoder()(images)[1][:, :, None, None]  # B×V×1×1

    def logits(self, features, sentence):
        return (features.flatten(1) * sentence).sum(1)


def test_discriminators_are_scored_on_their_resized_input():
    tool = load_script(TOOL)
    scenes = [sample_scene(0, 'test', index, max_objects=1) for index in range(20)]

    def resize(images):
        return torch.nn.functional.interpolate(images.float() / 127.5 - 1, size=(32, 32))

    scorers = dict(damsm=tool.damsm_scorer(BackgroundOnlyImageEncoder()),
                   d0=tool.discriminator_scorer(BackgroundOnlyDiscriminator(), resize))
    accuracy = tool.swap_accuracies(BackgroundOnlyTextEncoder(), scorers, scenes,
                                    image_size=64, batch_size=8)
    expected = {attribute: float(attribute == 'background') for attribute in SWAP_ATTRIBUTES}
    assert accuracy == dict(damsm=expected, d0=expected)


def test_captions_of_a_swap_are_worded_alike():
    tool = load_script(TOOL)
    scene = sample_scene(0, 'test', 3, max_objects=1)
    swapped = dict(scene, objects=[dict(scene['objects'][0], size='small')])
    words, swapped_words = tool.first_caption(scene).split(), tool.first_caption(swapped).split()
    assert len(words) == len(swapped_words)
    assert sum(a != b for a, b in zip(words, swapped_words)) == (scene['objects'][0]['size']
                                                                 != 'small')


@pytest.mark.parametrize('caption_form', ['free', 'synonyms', 'no_position'])
def test_free_form_swaps_differ_in_the_swapped_word(caption_form):
    tool = load_script(TOOL)
    scene = sample_scene(0, 'test', 3, max_objects=1)
    for attribute, value in (('size', 'small' if scene['objects'][0]['size'] == 'large'
                              else 'large'), ('colour', 'cyan'), ('position', 'left')):
        if attribute not in tool.swappable_attributes(caption_form):
            assert caption_form == 'no_position' and attribute == 'position'
            continue
        must_name = [attribute] if attribute != 'colour' else []
        words = tool.first_caption(scene, caption_form, must_name, 7).split()
        swapped = tool.first_caption(
            dict(scene, objects=[dict(scene['objects'][0], **{attribute: value})]),
            caption_form, must_name, 7).split()
        changed = [(a, b) for a, b in zip(words, swapped) if a != b]
        assert len(words) == len(swapped) and 1 <= len(changed) <= 2, (words, swapped)


def test_free_form_swaps_are_scored_in_the_free_form_vocabulary():
    tool = load_script(TOOL)
    free = shapes_vocabulary(free_form=True)
    words = list(COLOURS)
    scenes = [sample_scene(0, 'test', index, max_objects=1) for index in range(20)]

    class ColourWordTextEncoder(torch.nn.Module):  # counts of the colour words, free ids
        def forward(self, caption_ids, caption_len):
            assert caption_ids.max() < len(free)
            ids = torch.tensor([free.wordtoix[word] for word in words])
            return None, (caption_ids[:, :, None] == ids).sum(1).float()

    def colours_code(scene, colour):  # the shape's colour and the background's
        return colour in (scene['objects'][0]['colour'], scene['background'])

    accuracy = tool.swap_accuracies(
        ColourWordTextEncoder(), dict(colours=code_scorer(scenes, words, colours_code)),
        scenes, image_size=64, batch_size=len(scenes), caption_form='no_position')['colours']
    # Colour and background swaps change a colour word it weighs; the others change none.
    assert accuracy == dict(colour=1.0, shape=0.0, size=0.0, background=1.0)


class WordCountTextEncoder(torch.nn.Module):
    """Sentence: how often each of ``words`` occurs (the other words leave no trace)."""

    def __init__(self, words):
        super().__init__()
        self.word_ids = torch.tensor([VOCABULARY.wordtoix[word] for word in words])

    def forward(self, caption_ids, caption_len):
        return None, (caption_ids[:, :, None] == self.word_ids).sum(1).float()


def code_scorer(scenes, words, code):
    """A critic whose image code for each scene (it knows them) weighs ``words`` by
    ``code(scene, word)``: its score is that code · the sentence of WordCountTextEncoder."""
    codes = torch.tensor([[float(code(scene, word)) for word in words] for scene in scenes])
    return lambda images, sentences: (codes.repeat(len(sentences) // len(images), 1)
                                      * sentences).sum(1)


def test_shape_table_shows_a_critic_that_sees_only_the_family():
    tool = load_script(TOOL)
    pairs = [('red', 'circle')]
    scenes = [sample_scene(0, 'test', index, pairs, max_objects=1) for index in range(40)]
    rounded = ('circle', 'square')

    def family_code(scene, shape):  # the shape words of the scene's family
        return (shape in rounded) == (scene['objects'][0]['shape'] in rounded)

    table = tool.swap_table(WordCountTextEncoder(SHAPES),
                            dict(family=code_scorer(scenes, SHAPES, family_code)), scenes,
                            image_size=64, heldout_pairs=pairs, batch_size=40)['family']
    for true in SHAPES:
        # red scenes never swap to circle; every other pair occurs in 40 scenes
        assert set(table[true]) == set(SHAPES) - {true}
        for other, accuracy in table[true].items():
            assert accuracy == float((true in rounded) != (other in rounded)), (true, other)


def test_colour_table_shows_a_critic_that_confuses_red_and_orange():
    tool = load_script(TOOL)
    pairs = [('red', 'circle')]
    scenes = [sample_scene(0, 'test', index, pairs, max_objects=1) for index in range(60)]
    warm = {'red', 'orange'}

    # Reads the shape's colour, but red and orange as one.
    def warm_code(scene, colour):
        shape_colour = scene['objects'][0]['colour']
        return colour == shape_colour or {colour, shape_colour} <= warm

    # Prefers captions that name the background colour less often: a swap into the
    # background's colour (which training never asks for) would be the only one it wins.
    def background_code(scene, colour):
        return -float(colour == scene['background'])

    scorers = dict(warm=code_scorer(scenes, COLOURS, warm_code),
                   background=code_scorer(scenes, COLOURS, background_code))
    tables = tool.swap_table(WordCountTextEncoder(COLOURS), scorers,
                             scenes, image_size=64, attribute='colour', heldout_pairs=pairs,
                             batch_size=len(scenes))
    assert tables['warm']['red']['orange'] == 0.0
    for true, row in tables['warm'].items():
        for other, accuracy in row.items():
            assert accuracy == float({true, other} != warm), (true, other)
    assert all(accuracy == 0.0 for row in tables['background'].values()
               for accuracy in row.values())


def test_shape_sentence_cosine_is_one_where_the_sentence_ignores_the_shape():
    tool = load_script(TOOL)
    scenes = [sample_scene(0, 'test', index, max_objects=1) for index in range(12)]
    # One-hot shape words: orthogonal; background words only: identical.
    for encoder, expected in ((WordCountTextEncoder(SHAPES), 0.0),
                              (BackgroundOnlyTextEncoder(), 1.0)):
        cosine = tool.sentence_cosine(encoder, scenes, batch_size=5)
        assert cosine == {shape: {other: expected for other in SHAPES if other != shape}
                          for shape in SHAPES}


def test_shape_probe_reads_the_shape_only_where_the_sentence_holds_it():
    tool = load_script(TOOL)
    pairs = [('red', 'circle')]
    scenes = {split: [sample_scene(0, split, index, pairs, max_objects=1)
                      for index in range(num)]
              for split, num in (('train', 200), ('test', 50), ('heldout', 20))}
    probe = tool.sentence_shape_probe(WordCountTextEncoder(SHAPES), scenes)
    assert probe == dict(train=1.0, test=1.0, heldout=1.0)
    # The background says nothing about the shape: about chance (0.2), far from 1.
    probe = tool.sentence_shape_probe(BackgroundOnlyTextEncoder(), scenes)
    assert probe['test'] < 0.5


def random_damsm_checkpoint(config, path):
    """A checkpoint of both (random) encoders of a DAMSM config."""
    cfg = Config.fromfile(config)
    init_default_scope('mmdmgan')
    torch.manual_seed(0)
    state_dict = {}
    for prefix in ('text_encoder', 'image_encoder'):
        encoder = MODELS.build(cfg.model[prefix])
        state_dict.update({f'{prefix}.{key}': value
                           for key, value in encoder.state_dict().items()})
    torch.save(dict(state_dict=state_dict), path)
    return path


@pytest.mark.parametrize('split', ['test', 'heldout'])
def test_tool_prints_one_json_line(run_tool, tmp_path, split):
    checkpoint = random_damsm_checkpoint(DEMO_DAMSM, tmp_path / 'damsm.pth')
    result = run_tool([TOOL, DEMO_DAMSM,
                       checkpoint, '--num', '3', '--split', split, '--probe', '20',
                       '--shape-table', '--colour-table'])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['split'] == split and report['num'] == 3 and report['max_objects'] == 1
    assert set(report['sentence_shape_probe']) == {'train', 'test', 'heldout'}
    assert set(report['shape_swap_table']['damsm']) == set(SHAPES)
    assert set(report['shape_sentence_cosine']) == set(SHAPES)
    assert set(report['colour_sentence_cosine']) == set(COLOURS)
    assert set(report['colour_swap_table']['damsm']) <= set(COLOURS)
    assert set(report['swap_accuracy']) == set(SWAP_ATTRIBUTES)
    assert all(np.isclose(value * 3, round(value * 3), atol=1e-3) for value in
               report['swap_accuracy'].values())  # wins out of 3 scenes


def test_tool_words_the_swaps_in_a_free_form(run_tool, tmp_path):
    free_config = 'configs/shapes_demo/damsm_shapes_demo_free.py'
    checkpoint = random_damsm_checkpoint(free_config, tmp_path / 'damsm_free.pth')
    result = run_tool([TOOL, free_config, checkpoint, '--num', '3', '--caption-form',
                       'no_position'])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['caption_form'] == 'no_position'
    assert set(report['swap_accuracy']) == set(SWAP_ATTRIBUTES) - {'position'}
    with pytest.raises(AssertionError, match='embeds 45 words'):
        run_tool([TOOL, DEMO_DAMSM, checkpoint, '--num', '3', '--caption-form', 'free'])
    with pytest.raises(AssertionError, match='--shape-table word the captions in the fixed'):
        run_tool([TOOL, free_config, checkpoint, '--caption-form', 'free', '--shape-table'])


def test_tool_scores_the_discriminators_of_a_dmgan_run(run_tool, tmp_path):
    cfg = Config.fromfile(DEMO_DMGAN)
    init_default_scope('mmdmgan')
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, text_encoder_weights=None, image_encoder_weights=None,
                              allow_random_encoders=True))
    checkpoint = tmp_path / 'iter_1.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    result = run_tool([TOOL, DEMO_DMGAN,
                       checkpoint, '--num', '2', '--discriminators'])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report['swap_accuracy']) == set(SWAP_ATTRIBUTES)
    assert set(report['discriminator_swap_accuracy']) == {'d0', 'd1'}
    for accuracy in report['discriminator_swap_accuracy'].values():
        assert set(accuracy) == set(SWAP_ATTRIBUTES)
    # A checkpoint without discriminators (e.g. an exported sampler) is named in the error.
    sampler = tmp_path / 'sampler.pth'
    torch.save({key: value for key, value in model.state_dict().items()
                if key.startswith('text_encoder.')}, sampler)
    with pytest.raises(AssertionError, match='needs a DM-GAN training checkpoint'):
        run_tool([TOOL, DEMO_DMGAN,
                  sampler, '--num', '2', '--discriminators'])
