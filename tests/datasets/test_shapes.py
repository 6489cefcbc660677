import json
import os
import time

import numpy as np
import pytest
import torch

from mmdmgan.datasets import CaptionDataset, ShapesDataset, render_scene, sample_scene
from mmdmgan.datasets.shapes import (
    COLOURS,
    POSITION_PHRASES,
    POSITIONS,
    SHAPES,
    SIZES,
    SWAP_ATTRIBUTES,
    max_caption_words,
    render_batch,
    scene_class_id,
    shapes_vocabulary,
    swap_attribute,
    write_shapes_dataset,
)
from mmdmgan.datasets.vocabulary import tokenize

# Area of each shape relative to radius² (square half side 0.85 r, star inner radius 0.45 r,
# diamond half width 0.75 r).
AREA_FACTORS = {'circle': np.pi, 'square': 1.7 ** 2, 'triangle': 3 * np.sqrt(3) / 4,
                'star': 5 * 0.45 * np.sin(np.deg2rad(36)), 'diamond': 1.5}


def check_scene_pixels(scene, img):
    size = img.shape[0]
    assert img[0, 0].tolist() == list(COLOURS[scene['background']])
    colours = [obj['colour'] for obj in scene['objects']]
    ys, xs = np.mgrid[:size, :size]
    for obj in scene['objects']:
        cx, cy = (np.array(POSITIONS[obj['position']]) * size)
        colour = np.array(COLOURS[obj['colour']])
        # the stated colour sits at the stated position
        assert img[int(round(cy)), int(round(cx))].tolist() == colour.tolist()
        if colours.count(obj['colour']) > 1:
            continue  # two shapes of one colour: areas would mix
        near = (xs - cx) ** 2 + (ys - cy) ** 2 <= (1.3 * SIZES['large'] * size) ** 2
        area = np.count_nonzero(np.all(img == colour, axis=-1) & near)
        expected = AREA_FACTORS[obj['shape']] * (SIZES[obj['size']] * size) ** 2
        assert 0.6 * expected < area < 1.4 * expected, (obj, area, expected)


def check_scene_captions(scene, distinct=True):
    for caption in scene['captions']:
        offset = 0  # shapes are described in order
        for obj in scene['objects']:
            phrase = f"a {obj['size']} {obj['colour']} {obj['shape']} "
            offset = caption.index(phrase, offset) + len(phrase)
            assert any(caption.startswith(option, offset)
                       for option in POSITION_PHRASES[obj['position']])
        # every template but "there is ..." names the background
        assert caption.startswith('there is') or scene['background'] in caption.split()
        assert len(tokenize(caption)) <= max_caption_words()
    if distinct:  # differently worded
        assert len(set(scene['captions'])) == len(scene['captions'])


@pytest.mark.parametrize('image_size', [64, 128])
def test_captions_agree_with_pixels(image_size):
    kinds = set()
    for index in range(200):
        scene = sample_scene(3, 'train', index)
        check_scene_captions(scene)
        check_scene_pixels(scene, render_scene(scene, image_size))
        kinds.update((obj['shape'], obj['size'], obj['position']) for obj in scene['objects'])
        assert all(obj['colour'] != scene['background'] for obj in scene['objects'])
    assert {kind[0] for kind in kinds} == set(SHAPES) and len(kinds) > 30


def test_deterministic_from_seed():
    first = [sample_scene(7, 'train', index) for index in range(20)]
    again = [sample_scene(7, 'train', index) for index in range(20)]
    other = [sample_scene(8, 'train', index) for index in range(20)]
    assert first == again and first != other
    assert first != [sample_scene(7, 'test', index) for index in range(20)]
    assert np.array_equal(render_scene(first[0]), render_scene(again[0]))


def test_heldout_pairs():
    heldout = [('red', 'circle'), ('blue', 'star')]
    for split in ('train', 'test'):
        for index in range(300):
            scene = sample_scene(0, split, index, heldout)
            assert not {(obj['colour'], obj['shape']) for obj in scene['objects']} & set(heldout)
    for index in range(50):
        scene = sample_scene(0, 'heldout', index, heldout)
        first = scene['objects'][0]
        assert (first['colour'], first['shape']) in heldout
        assert first['colour'] != scene['background']
        check_scene_pixels(scene, render_scene(scene, 64))
    with pytest.raises(ValueError, match='held-out pair'):
        sample_scene(0, 'train', 0, [('magenta', 'circle')])
    with pytest.raises(ValueError, match='at least one held-out'):
        sample_scene(0, 'heldout', 0)


def test_max_objects(tmp_path):
    two = [sample_scene(0, 'train', index) for index in range(100)]
    one = [sample_scene(0, 'train', index, max_objects=1) for index in range(100)]
    assert {len(scene['objects']) for scene in two} == {1, 2}
    assert {len(scene['objects']) for scene in one} == {1}
    # Scenes that had one shape anyway stay the same: the random stream is shared.
    assert [a for a in two if len(a['objects']) == 1] == [
        b for a, b in zip(two, one) if len(a['objects']) == 1]
    dataset = ShapesDataset(num_images=10, max_objects=1, pipeline=[])
    assert all(len(dataset[index]['scene']['objects']) == 1 for index in range(10))
    with pytest.raises(ValueError, match='max_objects'):
        sample_scene(0, 'train', 0, max_objects=3)
    root = str(tmp_path / 'one_shape')
    write_shapes_dataset(root, {'train': 20}, max_objects=1)
    with open(os.path.join(root, 'captions.jsonl')) as file:
        assert all(len(json.loads(line)['objects']) == 1 for line in file)


def test_in_memory_dataset_items():
    pipeline = [dict(type='SampleCaption', words_num=max_caption_words()),
                dict(type='PackCaptionInputs')]
    dataset = ShapesDataset(num_images=30, image_size=64, seed=1, pipeline=pipeline)
    assert len(dataset) == 30 and dataset.vocabulary == shapes_vocabulary()
    for index in range(5):
        item = dataset[index]
        sample = item['data_samples']
        scene = dataset.get_data_info(index)['scene']
        assert item['inputs'].dtype == torch.uint8 and item['inputs'].shape == (3, 64, 64)
        assert np.array_equal(item['inputs'].permute(1, 2, 0).numpy(), render_scene(scene, 64))
        assert sample.prompt in scene['captions']
        assert dataset.vocabulary.decode(sample.caption_ids) == sample.prompt  # nothing cut
        first = scene['objects'][0]
        assert sample.class_id == scene_class_id(first) == scene['class_id']
        assert sample.wrong_prompt and sample.wrong_caption_len > 0


def scene_attributes(scene):
    """Every (where, attribute, value) of a scene."""
    attributes = {('scene', 'background', scene['background'])}
    for number, obj in enumerate(scene['objects']):
        attributes |= {(number, key, obj[key]) for key in ('colour', 'shape', 'size', 'position')}
    return attributes


def test_swap_attribute_changes_exactly_one_attribute():
    heldout = [('red', 'circle'), ('blue', 'star')]
    rng = np.random.default_rng(0)
    changed = set()
    for index in range(400):
        scene = sample_scene(0, 'train', index, heldout)
        original = {key: value for key, value in scene.items()}
        swapped = swap_attribute(scene, rng, heldout)
        assert scene == original  # the input is not modified
        removed = scene_attributes(scene) - scene_attributes(swapped)
        assert len(removed) == 1 and len(scene_attributes(swapped) - scene_attributes(scene)) == 1
        changed.add(removed.pop()[1])
        # still a scene the grammar makes, described by its captions and drawable (after a
        # background swap four templates make five captions: one may repeat)
        check_scene_captions(swapped, distinct=False)
        check_scene_pixels(swapped, render_scene(swapped, 64))
        assert all(obj['colour'] != swapped['background'] for obj in swapped['objects'])
        assert not {(obj['colour'], obj['shape']) for obj in swapped['objects']} & set(heldout)
        positions = [obj['position'] for obj in swapped['objects']]
        assert len(set(positions)) == len(positions)
        assert swapped['class_id'] == scene_class_id(swapped['objects'][0])
        if removed != {('scene', 'background', scene['background'])}:
            continue
        # a caption that leaves the background out would be true of the original scene
        assert all(swapped['background'] in caption.split() for caption in swapped['captions'])
    assert changed == {'background', 'colour', 'shape', 'size', 'position'}


def test_swap_attribute_skips_attributes_without_a_valid_value():
    # Every other shape of red is held out: a red circle's shape cannot change.
    scene = dict(background='white', objects=[dict(shape='circle', colour='red', size='large',
                                                   position='centre')])
    heldout = [('red', shape) for shape in SHAPES if shape != 'circle']
    rng = np.random.default_rng(0)
    for _ in range(50):
        swapped = swap_attribute(scene, rng, heldout)
        assert swapped['objects'][0]['shape'] == 'circle'


def test_swap_attribute_restricted_to_given_attributes():
    rng = np.random.default_rng(0)
    for index in range(50):
        scene = sample_scene(0, 'train', index)
        for attribute in SWAP_ATTRIBUTES:
            swapped = swap_attribute(scene, rng, attributes=(attribute, ))
            changed = scene_attributes(scene) - scene_attributes(swapped)
            assert [item[1] for item in changed] == [attribute]
    scene = dict(background='white', objects=[dict(shape='circle', colour='red', size='large',
                                                   position='centre')])
    heldout = [('red', shape) for shape in SHAPES if shape != 'circle']
    with pytest.raises(ValueError, match="no attribute of \\('shape',\\) can change"):
        swap_attribute(scene, rng, heldout, attributes=('shape', ))
    with pytest.raises(ValueError, match='non-empty subset'):
        swap_attribute(scene, rng, attributes=('texture', ))


@pytest.mark.parametrize('split', ['train', 'heldout'])
def test_attribute_swap_mismatch(split):
    heldout = [('red', 'circle'), ('blue', 'square')]
    pipeline = [dict(type='SampleCaption', words_num=max_caption_words(), caption_index=0),
                dict(type='PackCaptionInputs')]
    dataset = ShapesDataset(num_images=40, split=split, heldout_pairs=heldout,
                            mismatch='attribute_swap', test_mode=True, pipeline=pipeline)
    vocabulary = dataset.vocabulary
    for index in range(40):
        sample = dataset[index]['data_samples']
        scene = dataset.get_data_info(index)['scene']
        # test mode: the negative is drawn from the item index
        expected = swap_attribute(scene, np.random.default_rng(index),
                                  heldout if split == 'train' else ())
        assert sample.wrong_prompt == expected['captions'][0] not in scene['captions']
        assert vocabulary.decode(sample.wrong_caption_ids) == sample.wrong_prompt
        assert sample.class_id == scene['class_id']
    with pytest.raises(ValueError, match="CaptionDataset: mismatch must be one of"):
        CaptionDataset(data_root='unused', mismatch='attribute_swap')


def test_attribute_swap_restricted_to_the_shape():
    pipeline = [dict(type='SampleCaption', words_num=max_caption_words(), caption_index=0),
                dict(type='PackCaptionInputs')]
    heldout = [('red', 'circle')]
    dataset = ShapesDataset(num_images=30, max_objects=1, heldout_pairs=heldout,
                            mismatch='attribute_swap', swap_attributes=('shape', ),
                            test_mode=True, pipeline=pipeline)
    for index in range(30):
        sample = dataset[index]['data_samples']
        scene = dataset.get_data_info(index)['scene']
        expected = swap_attribute(scene, np.random.default_rng(index), heldout,
                                  attributes=('shape', ))
        assert sample.wrong_prompt == expected['captions'][0]
        obj, wrong_obj = scene['objects'][0], expected['objects'][0]
        assert expected['background'] == scene['background']
        assert {key for key in obj if obj[key] != wrong_obj[key]} == {'shape'}
        assert wrong_obj['shape'] in sample.wrong_prompt.split()
        assert (wrong_obj['colour'], wrong_obj['shape']) != ('red', 'circle')
    for bad in [('texture', ), (), 'shape']:
        with pytest.raises(ValueError, match='ShapesDataset swap_attributes must be'):
            ShapesDataset(num_images=2, swap_attributes=bad)


def test_colour_swaps_restricted_to_the_nearest_colours():
    # Red's nearest palette colours: orange, then purple, then yellow (RGB distance).
    scene = dict(background='white', objects=[dict(shape='circle', colour='red', size='large',
                                                   position='centre')])
    rng = np.random.default_rng(0)
    for neighbours, expected in ((1, {'orange'}), (2, {'orange', 'purple'})):
        drawn = {swap_attribute(scene, rng, attributes=('colour', ),
                                colour_neighbours=neighbours)['objects'][0]['colour']
                 for _ in range(40)}
        assert drawn == expected
    # Only valid colours count: the background's and held-out pairs' are skipped first.
    on_orange = dict(scene, background='orange')
    assert {swap_attribute(on_orange, rng, [('purple', 'circle')], attributes=('colour', ),
                           colour_neighbours=1)['objects'][0]['colour']
            for _ in range(20)} == {'yellow'}
    assert len({swap_attribute(scene, rng, attributes=('colour', ))['objects'][0]['colour']
                for _ in range(200)}) == 8  # 0: any colour but red and the white background
    pipeline = [dict(type='SampleCaption', words_num=max_caption_words(), caption_index=0),
                dict(type='PackCaptionInputs')]
    dataset = ShapesDataset(num_images=20, max_objects=1, mismatch='attribute_swap',
                            swap_attributes=('colour', ), swap_colour_neighbours=1,
                            test_mode=True, pipeline=pipeline)
    for index in range(20):
        scene = dataset.get_data_info(index)['scene']
        expected = swap_attribute(scene, np.random.default_rng(index), (),
                                  attributes=('colour', ), colour_neighbours=1)
        assert dataset[index]['data_samples'].wrong_prompt == expected['captions'][0]
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match='swap_colour_neighbours must be an int >= 0'):
            ShapesDataset(num_images=2, swap_colour_neighbours=bad)


def test_written_dataset_matches_memory(tmp_path):
    root = str(tmp_path / 'shapes')
    write_shapes_dataset(root, {'train': 12, 'test': 4, 'heldout': 3}, image_size=64, seed=5,
                         heldout_pairs=[('green', 'square')])
    for name in ('captions.jsonl', 'train.txt', 'test.txt', 'heldout.txt', 'vocab.json'):
        assert os.path.isfile(os.path.join(root, name))
    with open(os.path.join(root, 'captions.jsonl')) as file:
        records = [json.loads(line) for line in file]
    assert len(records) == 19 and records[0]['objects'] == sample_scene(
        5, 'train', 0, [('green', 'square')])['objects']
    pipeline = [dict(type='LoadCaptionImage'),
                dict(type='SampleCaption', words_num=24, caption_index=2),
                dict(type='PackCaptionInputs')]
    on_disk = CaptionDataset(root, split_file='heldout.txt', vocabulary_file='vocab.json',
                             pipeline=pipeline, mismatch='batch_shift')
    in_memory = ShapesDataset(num_images=3, seed=5, split='heldout',
                              heldout_pairs=[('green', 'square')], pipeline=pipeline[1:],
                              mismatch='batch_shift')
    assert on_disk.vocabulary == in_memory.vocabulary
    for index in range(3):
        disk_item, memory_item = on_disk[index], in_memory[index]
        assert torch.equal(disk_item['inputs'], memory_item['inputs'])  # PNG is lossless
        assert disk_item['data_samples'].prompt == memory_item['data_samples'].prompt
        assert torch.equal(disk_item['data_samples'].caption_ids,
                           memory_item['data_samples'].caption_ids)


def test_generation_speed_at_64():
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for index in range(300):
            render_scene(sample_scene(0, 'train', index), 64)
        best = max(best, 300 / (time.perf_counter() - start))
    assert best >= 1000, f'{best:.0f} images/s'


def test_render_batch_stacks_the_scenes_channels_first():
    scenes = [sample_scene(0, 'test', index) for index in range(3)]
    batch = render_batch(scenes, 32)
    assert batch.dtype == torch.uint8 and batch.shape == (3, 3, 32, 32)
    for image, scene in zip(batch, scenes):
        assert np.array_equal(image.permute(1, 2, 0).numpy(), render_scene(scene, 32))
