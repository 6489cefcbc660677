"""Free-form shapes captions (``caption_form``): the forms people type, drawn from the scene."""
import re

import numpy as np
import pytest

from mmdmgan.datasets import CaptionDataset, ShapesDataset, sample_scene, write_shapes_dataset
from mmdmgan.datasets.shapes import (
    CAPTION_FORMS,
    COLOURS,
    FREE_POSITION_PHRASES,
    POSITION_PHRASES,
    SHAPE_WORDS,
    SIZE_WORDS,
    SYNONYMS,
    free_caption,
    max_caption_words,
    shapes_vocabulary,
    swap_attribute,
)
from mmdmgan.datasets.vocabulary import tokenize

HELDOUT = [('red', 'circle'), ('blue', 'square')]
FREE_FORMS = [form for form in CAPTION_FORMS if form != 'templated']


def words_of(text):
    return ' ' + ' '.join(tokenize(text)) + ' '


def read_caption(caption):
    """What a caption of one shape says: background, colour, shape, size, position (None:
    not named), read back with the word lists alone."""
    text = words_of(caption)
    tokens = text.split()
    colours = [word for word in tokens if word in COLOURS]
    sizes = [size for size, words in SIZE_WORDS.items() for word in words if word in tokens]
    shapes = [shape for shape, words in SHAPE_WORDS.items() for word in words if word in tokens]
    positions = {position for position, phrases in FREE_POSITION_PHRASES.items()
                 for phrase in phrases if f' {phrase} ' in text}
    assert len(colours) == 2 and len(shapes) == 1 and len(sizes) <= 1 and len(positions) <= 1
    # the background is the colour before a background word, or right after "on" / "is"
    background = [colour for colour in colours
                  if re.search(f'( on| is) {colour} | {colour} (background|backdrop) ', text)]
    assert len(background) == 1, caption
    colour = [c for c in colours if c != background[0]] or colours[:1]
    return dict(background=background[0], colour=colour[0], shape=shapes[0],
                size=sizes[0] if sizes else None,
                position=positions.pop() if positions else None)


def test_templated_is_the_fixed_grammar():
    scene = sample_scene(0, 'train', 2, [('red', 'circle')], captions_per_image=2)
    assert scene == sample_scene(0, 'train', 2, [('red', 'circle')], captions_per_image=2,
                                 caption_form='templated')
    assert scene['captions'][0] == 'a large purple triangle near the bottom on a yellow background'
    assert 'caption_names' not in scene
    assert shapes_vocabulary() == shapes_vocabulary(free_form=False)
    assert len(shapes_vocabulary()) == 45 and max_caption_words() == 22


@pytest.mark.parametrize('form', FREE_FORMS)
def test_each_form_describes_the_scene_it_was_drawn_from(form):
    vocabulary = shapes_vocabulary(free_form=True)
    for index in range(60):
        scene = sample_scene(3, 'heldout', index, HELDOUT, max_objects=1, caption_form=form)
        templated = sample_scene(3, 'heldout', index, HELDOUT, max_objects=1)
        # the scene does not depend on the wording
        assert {key: scene[key] for key in ('background', 'objects', 'class_id')} == {
            key: templated[key] for key in ('background', 'objects', 'class_id')}
        obj = scene['objects'][0]
        for caption, names in zip(scene['captions'], scene['caption_names']):
            read = read_caption(caption)
            assert read == dict(background=scene['background'], colour=obj['colour'],
                                shape=obj['shape'],
                                size=obj['size'] if 'size' in names else None,
                                position=obj['position'] if 'position' in names else None)
            assert all(word in vocabulary for word in tokenize(caption))
            assert len(tokenize(caption)) <= max_caption_words(free_form=True)


def forms_features(form, count=200):
    captions, names = [], []
    for index in range(count):
        scene = sample_scene(0, 'train', index, max_objects=2, caption_form=form)
        captions += scene['captions']
        names += scene['caption_names']
    return captions, names


def test_what_each_form_varies():
    fixed_words = set(shapes_vocabulary().wordtoix)
    captions, names = forms_features('no_position')
    assert all(found == ['size'] for found in names)
    captions, names = forms_features('no_size')
    assert all(found == ['position'] for found in names)
    assert not any(set(tokenize(c)) & {'small', 'large'} for c in captions)
    captions, names = forms_features('synonyms')
    assert all(found == ['size', 'position'] for found in names)
    assert any(set(tokenize(caption)) - fixed_words for caption in captions)
    assert any(re.search(r' on (\w+)$', caption) for caption in captions)  # "on red"
    captions, _ = forms_features('reordered')
    assert all(caption.startswith('on ') or ', ' in caption for caption in captions)
    assert any(caption.startswith('on ') for caption in captions)
    assert any(re.match(r'an? \w+ \w+, (small|large)', caption) for caption in captions)
    captions, _ = forms_features('multi_sentence')
    assert all(caption.count('.') == 2 for caption in captions)
    assert any(caption.startswith('The background is') for caption in captions)
    captions, names = forms_features('free')
    assert {tuple(found) for found in names} == {(), ('size', ), ('position', ),
                                                 ('size', 'position')}
    assert any('.' in caption for caption in captions)
    assert any(caption.startswith('on ') for caption in captions)
    assert any(set(tokenize(caption)) - fixed_words for caption in captions)
    # the two-shape scenes of every form name both shapes
    for form in FREE_FORMS:
        for index in range(40):
            scene = sample_scene(0, 'train', index, caption_form=form)
            for caption in scene['captions']:
                assert all(obj['colour'] in tokenize(caption) for obj in scene['objects'])


def test_free_captions_are_reproducible():
    first = [sample_scene(5, 'test', index, caption_form='free') for index in range(20)]
    again = [sample_scene(5, 'test', index, caption_form='free') for index in range(20)]
    assert first == again
    other = [sample_scene(6, 'test', index, caption_form='free') for index in range(20)]
    assert first != other


def test_vocabulary_only_appends():
    fixed, free = shapes_vocabulary(), shapes_vocabulary(free_form=True)
    assert len(free) > len(fixed)
    assert all(free.ixtoword[index] == word for index, word in fixed.ixtoword.items())
    appended = {free.ixtoword[index] for index in range(len(fixed), len(free))}
    assert {'big', 'tiny', 'disc', 'centered'} <= appended
    # every synonym points from an appended word to a word of the fixed grammar
    assert set(SYNONYMS) <= appended and set(SYNONYMS.values()) <= set(fixed.wordtoix)
    # the fixed phrases stay among the free ones
    assert all(phrase in FREE_POSITION_PHRASES[position]
               for position, options in POSITION_PHRASES.items() for phrase in options)


def test_dataset_free_form_items():
    pipeline = [dict(type='SampleCaption', words_num=max_caption_words(free_form=True)),
                dict(type='PackCaptionInputs')]
    dataset = ShapesDataset(num_images=20, seed=1, caption_form='free', pipeline=pipeline)
    assert dataset.vocabulary == shapes_vocabulary(free_form=True)
    for index in range(10):
        sample = dataset[index]['data_samples']
        scene = dataset.get_data_info(index)['scene']
        assert sample.prompt in scene['captions']
        assert dataset.vocabulary.decode(sample.caption_ids) == ' '.join(tokenize(sample.prompt))
    with pytest.raises(ValueError, match='caption_form must be one of'):
        ShapesDataset(num_images=2, caption_form='chatty')


@pytest.mark.parametrize('form', FREE_FORMS)
def test_swaps_of_free_captions_name_what_changed(form):
    attributes = {'no_size': ('colour', 'shape', 'position', 'background'),
                  'no_position': ('colour', 'shape', 'size', 'background')}.get(form)
    rng = np.random.default_rng(0)
    changed = set()
    for index in range(150):
        scene = sample_scene(0, 'train', index, HELDOUT, max_objects=1, caption_form=form)
        swapped = swap_attribute(scene, rng, HELDOUT, caption_form=form,
                                 **({'attributes': attributes} if attributes else {}))
        before, after = scene['objects'][0], swapped['objects'][0]
        differ = [key for key in ('colour', 'shape', 'size', 'position')
                  if before[key] != after[key]]
        differ += ['background'] * (scene['background'] != swapped['background'])
        assert len(differ) == 1
        changed.add(differ[0])
        for caption, names in zip(swapped['captions'], swapped['caption_names']):
            read = read_caption(caption)
            # the changed attribute is in every caption, so none describes the original scene
            attribute = differ[0]
            if attribute in ('size', 'position'):
                assert attribute in names
            key = 'background' if attribute == 'background' else attribute
            truth = swapped['background'] if key == 'background' else after[key]
            assert read[key] == truth
    assert changed == set(attributes or ('colour', 'shape', 'size', 'position', 'background'))


@pytest.mark.parametrize('form, attribute', [('no_size', 'size'), ('no_position', 'position')])
def test_swaps_a_form_cannot_show_are_refused(form, attribute):
    scene = sample_scene(0, 'train', 0, max_objects=1, caption_form=form)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=f"never name the {attribute}.*leave '{attribute}' out"):
        swap_attribute(scene, rng, caption_form=form)
    with pytest.raises(ValueError, match=f'never name the {attribute}'):
        free_caption(scene['objects'], scene['background'], rng, form, must_name=[attribute])
    with pytest.raises(ValueError, match=f'never name the {attribute}'):
        ShapesDataset(num_images=2, caption_form=form, mismatch='attribute_swap')
    allowed = tuple(a for a in ('colour', 'shape', 'size', 'position') if a != attribute)
    dataset = ShapesDataset(num_images=4, caption_form=form, mismatch='attribute_swap',
                            swap_attributes=allowed, test_mode=True,
                            pipeline=[dict(type='SampleCaption', words_num=23, caption_index=0),
                                      dict(type='PackCaptionInputs')])
    assert dataset[0]['data_samples'].wrong_prompt


def test_written_free_form_dataset_matches_memory(tmp_path):
    root = str(tmp_path / 'shapes')
    write_shapes_dataset(root, {'test': 4}, seed=5, max_objects=1, caption_form='free')
    pipeline = [dict(type='SampleCaption', words_num=23, caption_index=1),
                dict(type='PackCaptionInputs')]
    on_disk = CaptionDataset(root, split_file='test.txt', vocabulary_file='vocab.json',
                             pipeline=[dict(type='LoadCaptionImage')] + pipeline)
    in_memory = ShapesDataset(num_images=4, seed=5, split='test', max_objects=1,
                              caption_form='free', pipeline=pipeline)
    assert on_disk.vocabulary == in_memory.vocabulary == shapes_vocabulary(free_form=True)
    for index in range(4):
        disk, memory = on_disk[index]['data_samples'], in_memory[index]['data_samples']
        assert disk.prompt == memory.prompt
        assert disk.caption_ids.tolist() == memory.caption_ids.tolist()
