"""Stored outputs of the code before the config-built text blocks and loss modules.

``data/outputs_before_loss_modules.pt`` holds every logged loss of one seeded training step
of ``tests/configs/dmgan_tiny.py`` (with DAMSM λ 5, and with λ 5 plus the mismatch term λ 2),
written by that code (generator with a built-in ``DynamicMemory``, flat ``lambda_damsm`` /
``lambda_damsm_mismatch`` arguments, memory writing with ``mean(dim=(2, 3))``). The only
numerical change since is the reference's average pooling in memory writing, which moves fp32
results by rounding only (measured: images 4.8e-7, losses 3e-7 relative). ``shipped`` holds
the shipped shapes model's images for fixed captions and noise (every 8th pixel), written by
the code after that change from the current checkpoint.
"""
import copy
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmdmgan.apis import SHAPES_DEMO_CHECKPOINT, SHAPES_DEMO_CONFIG, init_model
from mmdmgan.registry import DATASETS, MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))
import tiny_modules  # noqa: E402,F401  (registers TinyImageEncoder)

STORED = torch.load(Path(__file__).parent / 'data' / 'outputs_before_loss_modules.pt',
                    weights_only=True)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def test_shipped_checkpoint_gives_the_stored_images():
    stored = STORED['shipped']
    model = init_model(SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    with torch.no_grad():
        output = model.generate_from_tokens(stored['caption_ids'], stored['caption_len'],
                                            noise=stored['noise'],
                                            ca_epsilon=stored['ca_epsilon'])
    for images, expected, means in zip(output.images, stored['images'], stored['image_means']):
        assert (images[..., ::8, ::8] - expected).abs().max() <= 1e-5
        assert (images.mean(dim=(2, 3)) - means).abs().max() <= 1e-6
    for maps, expected in zip(output.attention_maps, stored['attention']):
        assert (maps[..., ::8, ::8] - expected).abs().max() <= 1e-5


def train_step_losses(model_cfg):
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(copy.deepcopy(cfg.model)))
    seed_everything(5)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(3)])
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    seed_everything(1)
    return {name: value.item() for name, value in model.train_step(batch, optim_wrapper).items()}


def with_mismatch_term(model_cfg):
    return dict(model_cfg, damsm_mismatch_loss=dict(type='DAMSMMismatchLoss', loss_weight=2.0))


def legacy_flat_weights(model_cfg):
    model_cfg.pop('damsm_loss')
    return dict(model_cfg, lambda_damsm=5.0, lambda_damsm_mismatch=2.0)


@pytest.mark.parametrize('model_cfg, stored', [
    (lambda cfg: cfg, 'tiny_losses'),
    (with_mismatch_term, 'tiny_mismatch_losses'),
    (legacy_flat_weights, 'tiny_mismatch_losses'),
])
def test_tiny_train_step_gives_the_stored_losses(model_cfg, stored):
    if model_cfg is legacy_flat_weights:
        with pytest.warns(DeprecationWarning, match='damsm_loss'):
            losses = train_step_losses(model_cfg)
    else:
        losses = train_step_losses(model_cfg)
    expected = STORED[stored]
    assert losses.keys() == expected.keys()
    for name, value in expected.items():
        assert losses[name] == pytest.approx(value, rel=1e-5, abs=1e-7), name
