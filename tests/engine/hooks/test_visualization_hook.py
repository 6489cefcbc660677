import copy
import sys
from types import SimpleNamespace
from unittest.mock import MagicMock

import cv2
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.engine.hooks import DMGANVisualizationHook
from mmdmgan.registry import MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))
import tiny_modules  # noqa: E402,F401  (registers TinyImageEncoder)

PROMPTS = ['a large red circle on the left on a blue background',
           'a small green square near the top']


@pytest.fixture
def runner(tmp_path):
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model)).train()
    return SimpleNamespace(
        model=model, work_dir=str(tmp_path), iter=4, max_iters=100,
        train_dataloader=SimpleNamespace(dataset=SimpleNamespace(vocabulary=shapes_vocabulary())),
        visualizer=MagicMock())


def test_writes_a_readable_png_grid_and_keeps_training_state(runner, tmp_path):
    hook = DMGANVisualizationHook(interval=5, prompts=PROMPTS, tile_size=32)
    rng_before = torch.get_rng_state()
    hook.after_train_iter(runner, batch_idx=4)  # iteration 5
    png = tmp_path / 'vis' / 'iter_5.png'
    image = cv2.imread(str(png))
    assert image is not None
    longest = len(PROMPTS[0].split())  # every word of the first prompt is in the vocabulary
    band, label = 22, 16
    assert image.shape == (2 * (band + label + 32), (2 + longest) * 32, 3)
    runner.visualizer.add_image.assert_called_once()
    assert runner.visualizer.add_image.call_args.kwargs['step'] == 5
    assert runner.model.training and not runner.model.text_encoder.training
    assert torch.equal(torch.get_rng_state(), rng_before)  # fixed noise from its own seed


def test_same_grid_every_time_and_only_every_interval(runner, tmp_path):
    hook = DMGANVisualizationHook(interval=5, prompts=PROMPTS, tile_size=32)
    first, second = hook.draw(runner), hook.draw(runner)
    assert (first == second).all()
    hook.after_train_iter(runner, batch_idx=5)  # iteration 6: nothing
    assert not (tmp_path / 'vis' / 'iter_6.png').exists()


def test_bad_arguments():
    with pytest.raises(ValueError, match='interval'):
        DMGANVisualizationHook(interval=0, prompts=PROMPTS)
    with pytest.raises(ValueError, match='prompt'):
        DMGANVisualizationHook(interval=1, prompts=[])
