"""tools/shapes_demo/shapes_accuracy.py: the pixel scorer and the tool end to end."""
import json

import numpy as np
import pytest

from mmdmgan.apis import SHAPES_DEMO_CHECKPOINT
from mmdmgan.datasets.shapes import COLOURS, SHAPES, render_scene, sample_scene
from tests.conftest import load_script

TOOL = 'tools/shapes_demo/shapes_accuracy.py'
DEMO_DMGAN = 'configs/shapes_demo/dmgan_shapes_demo.py'

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
        expected = dict(background_colour=True, shape_colour=True, shape=True)
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
    assert confusion == {shape: {other: int(other == drawn['shape']) for other in SHAPES}
                         for shape in SHAPES}


def test_an_empty_background_has_no_shape_colour():
    tool = load_tool()
    scene = sample_scene(0, 'heldout', 0, HELDOUT, max_objects=1)
    image = np.empty((128, 128, 3), np.uint8)
    image[:] = COLOURS[scene['background']]
    scores = tool.score_image(image, scene)
    assert scores['background_colour'] and not scores['shape_colour']
    assert not scores['position']
    assert tool.measure_image(image, scene)['position'] is None


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
                                         position=1.0)
    assert set(report['generated']) == set(report['chance'])
    confusion = report['generated_shape_confusion']
    assert sum(sum(row.values()) for row in confusion.values()) == 4
