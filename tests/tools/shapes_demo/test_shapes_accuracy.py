"""tools/shapes_demo/shapes_accuracy.py: the pixel scorer and the tool end to end."""
import json

import numpy as np
import pytest

from mmdmgan.apis import SHAPES_DEMO_CHECKPOINT
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
from tests.conftest import load_script

TOOL = 'tools/shapes_demo/shapes_accuracy.py'
DEMO_DMGAN = 'configs/shapes_demo/dmgan_shapes_demo_free.py'  # the shipped model's last run

HELDOUT = [('red', 'circle'), ('blue', 'square')]


def load_tool():
    return load_script(TOOL)


@pytest.mark.parametrize('split, max_objects, size', [('train', 2, 128), ('heldout', 1, 128),
                                                       ('heldout', 2, 128)])
def test_real_images_score_perfectly(split, max_objects, size):
    # At the demo model's output size (at 64 px small squares and circles blur together).
    tool = load_tool()
    for index in range(40):
        scene = sample_scene(0, split, index, HELDOUT, max_objects=max_objects)
        expected = dict(background_colour=True, shape_colour=True, shape=True, size=True,
                        count=True)
        if len(scene['objects']) == 1:
            expected['position'] = True
        assert tool.score_image(render_scene(scene, size), scene) == expected, scene


def test_shape_confusion_of_real_images_is_diagonal():
    tool = load_tool()
    scenes = [sample_scene(0, 'test', index, HELDOUT, max_objects=1) for index in range(30)]
    images = [render_scene(scene, 128) for scene in scenes]
    confusion = tool.shape_confusion(images, scenes)
    for true, row in confusion.items():
        expected = sum(scene['objects'][0]['shape'] == true for scene in scenes)
        assert row[true] == expected and sum(row.values()) == expected
    # One drawn shape captioned as each of the five: counted in the drawn shape's column.
    drawn = scenes[0]['objects'][0]
    captioned = [dict(scenes[0], objects=[dict(drawn, shape=shape)]) for shape in SHAPES]
    confusion = tool.shape_confusion([images[0]] * len(SHAPES), captioned)
    assert confusion == {shape: {other: int(other == drawn['shape'])
                                 for other in SHAPES + ('none', )}
                         for shape in SHAPES}


def test_an_empty_background_has_no_shape_colour():
    tool = load_tool()
    scene = sample_scene(0, 'heldout', 0, HELDOUT, max_objects=1)
    image = np.empty((128, 128, 3), np.uint8)
    image[:] = COLOURS[scene['background']]
    scores = tool.score_image(image, scene)
    assert scores['background_colour'] and not scores['shape_colour']
    assert not scores['position'] and not scores['size'] and not scores['count']
    measured = tool.measure_image(image, scene)
    assert measured['position'] is None and measured['size'] is None and measured['count'] == 0
    # a caption without position or size finds no object to read
    measured = tool.measure_image(image, scene, named=())
    assert measured['shape'] is None and measured['shape_colour'] is None


def test_mean_scores_skip_what_a_scene_does_not_have():
    tool = load_tool()
    means = tool.mean_scores([dict(shape=True, position=True), dict(shape=False)])
    assert means == dict(shape=0.5, position=1.0)


def test_tool_prints_one_json_line(run_tool):
    result = run_tool([TOOL, DEMO_DMGAN,
                       SHAPES_DEMO_CHECKPOINT, '--num', '4'])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['split'] == 'heldout' and report['num'] == 4 and report['max_objects'] == 1
    assert report['real_images'] == dict(background_colour=1.0, shape_colour=1.0, shape=1.0,
                                         size=1.0, count=1.0, position=1.0)
    assert set(report['generated']) == set(report['chance']) | {'count'}
    confusion = report['generated_shape_confusion']
    assert sum(sum(row.values()) for row in confusion.values()) == 4
    assert report['caption_form'] == 'templated' and 'diversity' not in report
    assert report['dropped_words']['captions'] == 0.0


def test_tool_free_form_captions_and_diversity(run_tool):
    result = run_tool([TOOL, DEMO_DMGAN, SHAPES_DEMO_CHECKPOINT, '--num', '6',
                       '--caption-form', 'free', '--seeds', '2'])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['caption_form'] == 'free'
    assert set(report['real_images'].values()) == {1.0}
    assert 0 <= report['diversity'] <= 1 and report['diversity_seeds'] == 2
    open_share = max(report['captions_without'].values())
    assert report['diversity_captions'] >= round(open_share * 6)
    assert 0 <= report['dropped_words']['captions'] <= 1


@pytest.mark.parametrize('form', CAPTION_FORMS)
def test_real_images_score_perfectly_for_every_caption_form(form):
    tool = load_tool()
    splits = [('heldout', 1), ('test', 1)]
    if form not in ('no_position', 'free'):  # these need one-shape scenes
        splits.append(('train', 2))
    for split, max_objects in splits:
        for index in range(25):
            scene = sample_scene(0, split, index, HELDOUT, max_objects=max_objects,
                                 caption_form=form)
            named = scene.get('caption_names', [tool.ALL_NAMED])[0]
            scores = tool.score_image(render_scene(scene, 128), scene, named)
            assert all(scores.values()) and scores['count'], (scene, scores)


def copies_image(scene, count, size_name, size=128):
    """The scene's background with ``count`` copies of its first shape, in its colour, at
    the first ``count`` positions other than the captioned one."""
    obj = scene['objects'][0]
    image = np.empty((size, size, 3), np.uint8)
    image[:] = COLOURS[scene['background']]
    places = [name for name in POSITIONS if name != obj['position']][:count]
    for place in places:
        draw_shape(image, obj['shape'], np.array(POSITIONS[place]) * size,
                   SIZES[size_name] * size, COLOURS[obj['colour']])
    return image


def test_several_small_copies_for_one_large_shape_are_caught():
    tool = load_tool()
    scene = dict(background='blue', objects=[dict(shape='star', colour='red', size='large',
                                                  position='centre')])
    image = copies_image(scene, 3, 'small')
    for named in [(), ('position', ), ('size', ), tool.ALL_NAMED]:
        measured = tool.measure_image(image, scene, named)
        assert measured['count'] == 3 and measured['background_colour'] == 'blue'
    # a caption without position and size: the object is read where and as large as it is
    # drawn: right colour and shape, wrong count, and size and position not scored
    scores = tool.score_image(image, scene, named=())
    assert scores == dict(background_colour=True, shape_colour=True, shape=True, count=False)
    scores = tool.score_image(image, scene, named=('position', ))
    assert not scores['count'] and 'size' not in scores and 'position' in scores
    one_large = copies_image(scene, 1, 'large')
    scores = tool.score_image(one_large, scene, named=('size', ))
    assert scores == dict(background_colour=True, shape_colour=True, shape=True, size=True,
                          count=True)
    # drawn on the left, captioned in the centre
    assert not tool.score_image(one_large, scene, named=tool.ALL_NAMED)['position']


def test_diversity_counts_differing_seed_pairs():
    tool = load_tool()
    assert tool.diversity([[('left', 'small')] * 4]) == 0.0
    assert tool.diversity([[('left', 'small'), ('left', 'large'), ('left', 'small')],
                           [('top', 'large'), ('right', 'large')]]) == round((2 / 3 + 1) / 2, 4)


def test_dropped_words_against_the_fixed_vocabulary():
    tool = load_tool()
    dropped = tool.dropped_words(['a big red circle', 'a large red circle on the left'],
                                 shapes_vocabulary())
    assert dropped == dict(captions=0.5, words=round(1 / 11, 4), counts={'big': 1})
    free = shapes_vocabulary(free_form=True)
    assert tool.dropped_words(['a big red circle'], free)['captions'] == 0.0
