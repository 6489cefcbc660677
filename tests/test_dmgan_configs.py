"""The paper and shapes DM-GAN configs parse, hold the paper's settings and name missing files."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdmgan.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'


@pytest.mark.parametrize('name, batch, iters, lambda_damsm, residual', [
    ('dmgan_cub.py', 10, 885 * 800, 5.0, 2),
    ('dmgan_coco.py', 16, 5173 * 200, 50.0, 3),
])
def test_paper_settings(name, batch, iters, lambda_damsm, residual):
    cfg = Config.fromfile(str(CONFIGS / name))
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.train_cfg.max_iters == iters
    assert cfg.model.lambda_damsm == lambda_damsm
    assert cfg.model.generator.num_residual == residual
    assert cfg.model.generator.gf_dim == 64 and cfg.model.discriminator.df_dim == 32
    assert cfg.model.ema_config.momentum == 0.001
    for wrapper in ('generator', 'discriminators'):
        optimizer = cfg.optim_wrapper[wrapper].optimizer
        assert (optimizer.lr, tuple(optimizer.betas)) == (2e-4, (0.5, 0.999))
    assert cfg.model_wrapper_cfg.type == 'DeviceAgnosticSeparateDistributedDataParallel'
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert {'RNGStateHook', 'DMGANVisualizationHook'} <= {h.type for h in cfg.custom_hooks}


@pytest.mark.parametrize('name', ['dmgan_cub.py', 'dmgan_coco.py', 'dmgan_shapes.py'])
def test_missing_damsm_weights_name_the_file(name):
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(CONFIGS / name))
    model = cfg.model
    # Build only what the error needs: the text encoder is loaded before the image encoder.
    model.image_encoder = dict(type='DAMSMTextEncoder', vocab_size=3)  # never reached
    with pytest.raises(FileNotFoundError, match=str(model.text_encoder_weights)):
        MODELS.build(model)
