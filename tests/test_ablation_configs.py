"""The DM-GAN gate ablations and the AttnGAN configs: paper settings, and a few training steps
on shapes data with their text block at tiny sizes."""
import copy
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmdmgan.models.dmgan import DynamicMemory, WordContextAttention
from mmdmgan.registry import DATASETS, MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))
import tiny_modules  # noqa: E402,F401  (registers TinyImageEncoder)

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
ABLATIONS = {  # config: (writing gate, response gate), the rows of DM-GAN's Table 3
    'dmgan_cub_no_gates.py': (False, False),
    'dmgan_cub_writing_gate_only.py': (True, False),
    'dmgan_cub_response_gate_only.py': (False, True),
    'dmgan_cub_both_gates.py': (True, True),
}


def tiny_model(cfg: Config) -> dict:
    """``cfg``'s model with its text block, losses and EMA, at the sizes of
    tests/configs/dmgan_tiny.py (random frozen encoders, 2 stages)."""
    tiny = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py')).model
    model = copy.deepcopy(cfg.model)
    for key in ('text_encoder_weights', 'image_encoder_weights'):
        model.pop(key)
    # Replaced whole: a ConfigDict update would merge the paper encoders' keys in.
    for key in ('text_encoder', 'image_encoder', 'data_preprocessor'):
        model[key] = tiny[key].to_dict()
    model.allow_random_encoders = True
    model.generator.update({key: value for key, value in tiny.generator.items()
                            if key != 'type'})
    model.discriminator.update(df_dim=tiny.discriminator.df_dim,
                               text_dim=tiny.discriminator.text_dim)
    return model


def train_steps(cfg: Config, num_steps: int = 1):
    """Build the tiny model and run ``num_steps`` training steps on shapes scenes."""
    init_default_scope('mmdmgan')
    tiny = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    torch.manual_seed(0)
    model = MODELS.build(tiny_model(cfg))
    dataset = DATASETS.build(tiny.train_dataloader.dataset)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {name: p.detach().clone() for name, p in model.generator.named_parameters()}
    for step in range(num_steps):
        log_vars = model.train_step(pseudo_collate([dataset[2 * step], dataset[2 * step + 1]]),
                                    optim_wrapper)
        assert all(torch.isfinite(value) for value in log_vars.values())
    assert {'loss_damsm_words', 'loss_damsm_sentence', 'loss_kl'} <= set(log_vars)
    unchanged = [name for name, p in model.generator.named_parameters()
                 if torch.equal(before[name], p)]
    assert not unchanged, unchanged  # every parameter of the block trains
    return model


@pytest.mark.parametrize('name', sorted(ABLATIONS))
def test_ablation_is_dmgan_cub_with_the_gates_switched(name):
    cfg = Config.fromfile(str(CONFIGS / 'ablations' / name))
    base = Config.fromfile(str(CONFIGS / 'dmgan_cub.py'))
    writing_gate, response_gate = ABLATIONS[name]
    assert cfg.model.generator.memory == dict(type='DynamicMemory', writing_gate=writing_gate,
                                              response_gate=response_gate)
    cfg.model.generator.pop('memory')
    base.model.generator.pop('memory')
    assert cfg.to_dict() == base.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(ABLATIONS))
def test_ablation_trains_on_shapes(name):
    model = train_steps(Config.fromfile(str(CONFIGS / 'ablations' / name)))
    writing_gate, response_gate = ABLATIONS[name]
    for stage in model.generator.refinement_stages:
        assert isinstance(stage.memory, DynamicMemory)
        parameters = {key.split('.')[0] for key, _ in stage.memory.named_parameters()}
        assert ({'word_writing_gate', 'image_writing_gate', 'image_to_memory'} <= parameters
                ) == writing_gate
        assert ('response_gate_conv' in parameters) == response_gate


@pytest.mark.parametrize('name, gf, df, residual, damsm, batch, iters', [
    ('attngan_cub.py', 32, 64, 2, 5.0, 20, 442 * 600),
    ('attngan_coco.py', 48, 96, 3, 50.0, 14, 5913 * 120),
])
def test_attngan_settings(name, gf, df, residual, damsm, batch, iters):
    """AttnGAN's code/cfg/bird_attn2.yml and coco_attn2.yml."""
    cfg = Config.fromfile(str(CONFIGS / name))
    generator = cfg.model.generator
    assert generator.memory == dict(type='WordContextAttention')
    assert (generator.gf_dim, generator.num_residual) == (gf, residual)
    assert (generator.noise_dim, generator.condition_dim, generator.text_dim) == (100, 100, 256)
    assert cfg.model.discriminator.df_dim == df
    assert cfg.model.damsm_loss.loss_weight == damsm
    assert (cfg.model.damsm_loss.gamma1, cfg.model.damsm_loss.gamma2,
            cfg.model.damsm_loss.gamma3) == (4.0, 5.0, 10.0)
    assert cfg.model.ema_config.momentum == 0.001
    assert cfg.train_dataloader.batch_size == batch and cfg.train_cfg.max_iters == iters
    for wrapper in ('generator', 'discriminators'):
        optimizer = cfg.optim_wrapper[wrapper].optimizer
        assert (optimizer.lr, tuple(optimizer.betas)) == (2e-4, (0.5, 0.999))


@pytest.mark.slow
def test_attngan_trains_on_shapes():
    model = train_steps(Config.fromfile(str(CONFIGS / 'attngan_cub.py')))
    for stage in model.generator.refinement_stages:
        assert isinstance(stage.memory, WordContextAttention) and not stage.duplicate
