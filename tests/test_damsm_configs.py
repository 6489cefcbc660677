"""The DAMSM configs carry the reference settings and build (random trunk, no data needed)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmdmgan.datasets.shapes import max_caption_words, shapes_vocabulary
from mmdmgan.models.damsm import DAMSM, ConvImageEncoder
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


def test_shapes_conv_config_trains_both_encoders_on_from_step_1s_text_encoder():
    cfg = Config.fromfile(CONFIGS / 'damsm_shapes_demo_conv.py')
    step1 = Config.fromfile(CONFIGS / 'damsm_shapes_demo.py')
    assert cfg.load_from == f'work_dirs/damsm_shapes_demo/epoch_{step1.train_cfg.max_epochs}.pth'
    model = MODELS.build(cfg.model)
    assert isinstance(model.image_encoder, ConvImageEncoder)
    assert model.image_encoder.input_size == 64  # the scenes' size: no resize
    assert model.lambda_mismatch > 0
    assert cfg.train_dataloader.dataset.mismatch == 'attribute_swap'
    assert cfg.train_dataloader.dataset.heldout_pairs == step1.heldout_pairs
    # Both encoders train, at one learning rate, with step 1's text dropout and clip.
    assert cfg.model.text_encoder == step1.model.text_encoder
    assert model.text_grad_clip == step1.model.text_grad_clip
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    (group, ) = optim_wrapper.optimizer.param_groups
    assert group['lr'] == 2e-3
    assert ({id(parameter) for parameter in group['params']}
            == {id(parameter) for parameter in model.parameters()})


def test_shapes_step_5_trains_step_2_on_with_shape_only_negatives():
    step2 = Config.fromfile(CONFIGS / 'damsm_shapes_demo_conv.py')
    step5 = Config.fromfile(CONFIGS / 'damsm_shapes_demo_shape.py')
    assert step5.load_from == (f'work_dirs/damsm_shapes_demo_conv/'
                               f'epoch_{step2.train_cfg.max_epochs}.pth')
    assert step5.train_dataloader.dataset.swap_attributes == ('shape', )
    assert step5.model.lambda_mismatch > step2.model.lambda_mismatch
    # Everything else is step 2's.
    for cfg in (step2, step5):
        cfg.pop('load_from')
        cfg.model.pop('lambda_mismatch')
    step5.train_dataloader.dataset.pop('swap_attributes')
    assert step5.to_dict() == step2.to_dict()


def test_shapes_step_6_trains_step_5s_image_encoder_against_its_frozen_text_encoder():
    step5 = Config.fromfile(CONFIGS / 'damsm_shapes_demo_shape.py')
    step6 = Config.fromfile(CONFIGS / 'damsm_shapes_demo_shape_image.py')
    assert step6.load_from == (f'work_dirs/damsm_shapes_demo_shape/'
                               f'epoch_{step5.train_cfg.max_epochs}.pth')
    assert step6.model.lambda_mismatch > step5.model.lambda_mismatch
    assert step6.model.text_encoder.dropout == 0
    model = MODELS.build(step6.model)
    optim_wrapper = build_optim_wrapper(model, step6.optim_wrapper)
    text_parameters = {id(parameter) for parameter in model.text_encoder.parameters()}
    for group in optim_wrapper.optimizer.param_groups:
        frozen = {id(parameter) for parameter in group['params']} <= text_parameters
        assert group['lr'] == (0 if frozen else 2e-3)
    assert sum(group['lr'] == 0 for group in optim_wrapper.optimizer.param_groups) == len(
        text_parameters)


def test_shapes_pretrained_config_is_step_5_from_the_pretrained_image_encoder():
    step5 = Config.fromfile(CONFIGS / 'damsm_shapes_demo_shape.py')
    cfg = Config.fromfile(CONFIGS / 'damsm_shapes_demo_pretrained.py')
    # The file tools/pretrain_shapes_image_encoder.py writes (its docstring's example).
    assert cfg.load_from == 'work_dirs/shapes_image_encoder_init.pth'
    for config in (step5, cfg):
        config.pop('load_from')
        config.pop('train_cfg')
    assert cfg.to_dict() == step5.to_dict()


def test_shapes_near_colour_config_continues_the_pretrained_step_with_near_colour_negatives():
    step6 = Config.fromfile(CONFIGS / 'damsm_shapes_demo_pretrained.py')
    cfg = Config.fromfile(CONFIGS / 'damsm_shapes_demo_near_colour.py')
    assert cfg.load_from == ('work_dirs/damsm_shapes_demo_pretrained/'
                             f'epoch_{step6.train_cfg.max_epochs}.pth')
    dataset = cfg.train_dataloader.dataset
    assert dataset.swap_attributes == ('colour', 'shape') and dataset.swap_colour_neighbours > 0
    for config in (step6, cfg):
        config.pop('load_from')
        config.pop('train_cfg')
        for key in ('swap_attributes', 'swap_colour_neighbours'):
            config.train_dataloader.dataset.pop(key, None)
    assert cfg.to_dict() == step6.to_dict()
