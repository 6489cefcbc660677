"""The DAMSM configs carry the reference settings and build (random trunk, no data needed)."""
from pathlib import Path

import pytest
from mmengine.config import Config

from mmdmgan.datasets.shapes import max_caption_words, shapes_vocabulary
from mmdmgan.models.damsm import DAMSM
from mmdmgan.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'


@pytest.mark.parametrize('name, words_num, snapshot', [('cub', 18, 50), ('coco', 15, 5)])
def test_paper_configs_follow_the_reference(name, words_num, snapshot):
    cfg = Config.fromfile(CONFIGS / f'damsm_{name}.py')
    assert cfg.train_dataloader.batch_size == 48
    assert cfg.train_cfg == dict(by_epoch=True, max_epochs=600)
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=2e-3, betas=(0.5, 0.999))
    assert 'clip_grad' not in cfg.optim_wrapper and cfg.model.text_grad_clip == 0.25
    assert cfg.param_scheduler == dict(type='FlooredExponentialLR', gamma=0.98, floor=2e-4,
                                       by_epoch=True)
    assert cfg.model.data_preprocessor.pyramid_sizes == (299, )
    assert not cfg.model.image_encoder.allow_random_init
    assert cfg.model.image_encoder.inception_weights.endswith('inception_v3_google-0cc3c7bd.pth')
    pipeline = {step.type: step for step in cfg.train_dataloader.dataset.pipeline}
    assert pipeline['SampleCaption'].words_num == words_num
    assert pipeline['RandomSquareCrop'].size == 299
    assert pipeline['ResizeShorterSide'].size == 355
    assert cfg.default_hooks.checkpoint.interval == snapshot


def test_shapes_config_matches_the_dataset_and_builds():
    cfg = Config.fromfile(CONFIGS / 'damsm_shapes.py')
    assert cfg.model.text_encoder.vocab_size == len(shapes_vocabulary())
    pipeline = {step.type: step for step in cfg.train_dataloader.dataset.pipeline}
    assert pipeline['SampleCaption'].words_num >= max_caption_words()
    assert 'RandomHorizontalFlip' not in pipeline  # captions say left and right
    model = MODELS.build(cfg.model)
    assert isinstance(model, DAMSM) and model.image_encoder.input_size == 139
