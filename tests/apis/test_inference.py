"""init_model: what a checkpoint must hold, which generator samples, where the vocabulary is;
init_full_model: every weight of a training checkpoint, or a clear error."""
import copy
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmdmgan.apis import init_full_model, init_model
from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.registry import MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))  # tiny_modules, imported by the tiny config

PROMPT = 'a large red circle on the left on a blue background'


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """A training-style checkpoint (generator, EMA, text encoder) whose EMA differs from the
    generator, and the generator-only export of it (as tools/export_sampler.py writes)."""
    root = tmp_path_factory.mktemp('init_model')
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(image_encoder=None, damsm_loss=None)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    with torch.no_grad():
        for parameter in model.generator.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    state = model.state_dict()
    assert any(key.startswith('generator_ema.') for key in state)
    torch.save(dict(state_dict=state), root / 'train.pth')
    exported = {key: value for key, value in state.items()
                if key.startswith(('generator.', 'text_encoder.'))}
    torch.save(dict(state_dict=exported), root / 'export.pth')
    vocabulary = shapes_vocabulary()
    vocabulary.save(str(root / 'vocab.json'))
    return root, cfg


def images(model, sample_model=None):
    return model.infer(PROMPT, num_images=2, seed=0, output_type='uint8',
                       sample_model=sample_model).images[-1]


def test_exported_generator_is_what_samples(checkpoints):
    root, cfg = checkpoints
    trained = init_model(cfg, str(root / 'train.pth'), vocabulary=shapes_vocabulary())
    exported = init_model(cfg, str(root / 'export.pth'), vocabulary=shapes_vocabulary())
    assert trained.ema_config is not None and exported.ema_config is None
    assert not np.array_equal(images(trained), images(trained, 'orig'))  # EMA by default
    assert np.array_equal(images(exported), images(trained, 'orig'))


def test_a_config_with_damsm_loss_terms_samples_without_image_encoder(checkpoints):
    root, cfg = checkpoints
    cfg = copy.deepcopy(cfg)
    cfg.model.update(damsm_loss=dict(type='DAMSMGeneratorLoss', loss_weight=5.0),
                     damsm_mismatch_loss=dict(type='DAMSMMismatchLoss', loss_weight=10.0))
    model = init_model(cfg, str(root / 'export.pth'), vocabulary=shapes_vocabulary())
    assert model.image_encoder is None
    assert model.damsm_loss is None and model.damsm_mismatch_loss is None
    # A config from before the loss modules (flat lambda_damsm) samples the same way.
    legacy = copy.deepcopy(checkpoints[1])
    legacy.model.pop('damsm_loss')
    legacy.model.update(lambda_damsm=5.0, lambda_damsm_mismatch=10.0, gamma3=10.0)
    assert np.array_equal(images(model), images(init_model(
        legacy, str(root / 'export.pth'), vocabulary=shapes_vocabulary())))
    assert np.array_equal(images(model), images(init_model(
        checkpoints[1], str(root / 'export.pth'), vocabulary=shapes_vocabulary())))


def test_checkpoint_errors(checkpoints, tmp_path):
    root, cfg = checkpoints
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        init_model(cfg, str(tmp_path / 'missing.pth'))
    state = torch.load(root / 'export.pth', weights_only=True)['state_dict']
    torch.save({key: value for key, value in state.items() if key.startswith('generator.')},
               tmp_path / 'no_text.pth')
    with pytest.raises(KeyError, match='text_encoder'):
        init_model(cfg, str(tmp_path / 'no_text.pth'))


def test_vocabulary_lookup_order(checkpoints, tmp_path):
    root, cfg = checkpoints
    words = [shapes_vocabulary().ixtoword[i] for i in range(len(shapes_vocabulary()))]
    state = torch.load(root / 'export.pth', weights_only=True)
    state['meta'] = dict(vocabulary=words)
    torch.save(state, tmp_path / 'with_meta.pth')
    assert init_model(cfg, str(tmp_path / 'with_meta.pth')).vocabulary == shapes_vocabulary()
    # vocab.json beside the checkpoint
    assert init_model(cfg, str(root / 'export.pth')).vocabulary == shapes_vocabulary()
    # the argument wins over both
    custom = shapes_vocabulary()
    assert init_model(cfg, str(tmp_path / 'with_meta.pth'), vocabulary=custom).vocabulary is custom


def test_init_full_model_loads_every_part_or_names_what_does_not_fit(tmp_path):
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    torch.manual_seed(0)
    state = MODELS.build(cfg.model).state_dict()
    torch.save(dict(state_dict=state), tmp_path / 'train.pth')
    model = init_full_model(cfg, str(tmp_path / 'train.pth'))
    assert not model.training and model.image_encoder is not None
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    no_ema = {key: value for key, value in state.items() if not key.startswith('generator_ema.')}
    torch.save(no_ema, tmp_path / 'no_ema.pth')
    with pytest.raises(RuntimeError, match='no EMA generator in the checkpoint'):
        init_full_model(cfg, str(tmp_path / 'no_ema.pth'))
    init_full_model(cfg, str(tmp_path / 'no_ema.pth'), sample_model='orig')
    no_discriminators = {key: value for key, value in state.items()
                         if not key.startswith('discriminators.')}
    torch.save(no_discriminators, tmp_path / 'sampler.pth')
    with pytest.raises(RuntimeError, match=r"(?s)does not fit.*missing keys \(\d+\): \['discrim"):
        init_full_model(cfg, str(tmp_path / 'sampler.pth'), sample_model='orig')


def test_init_model_refuses_a_checkpoint_of_another_config(checkpoints, tmp_path):
    root, cfg = checkpoints
    one_stage_cfg = copy.deepcopy(cfg)
    one_stage_cfg.model.generator.num_stages = 1
    one_stage_cfg.model.data_preprocessor.pyramid_sizes = (64,)
    one_stage_cfg.model.update(image_encoder=None, damsm_loss=None)
    torch.save(dict(state_dict=MODELS.build(one_stage_cfg.model).state_dict()),
               tmp_path / 'one_stage.pth')
    with pytest.raises(RuntimeError, match=r'(?s)one_stage.pth does not fit.*'
                       r'model.generator.num_stages 1 vs 2.*missing keys.*strict=False'):
        init_model(cfg, str(tmp_path / 'one_stage.pth'), vocabulary=shapes_vocabulary())
    with pytest.warns(UserWarning, match='loading only the weights that fit'):
        model = init_model(cfg, str(tmp_path / 'one_stage.pth'),
                           vocabulary=shapes_vocabulary(), strict=False)
    assert model.num_stages == 2


def test_init_model_and_init_full_model_read_wrapped_keys(checkpoints, tmp_path):
    """Checkpoints of multi-process runs before wrapper-free saving: generator.module.*"""
    root, cfg = checkpoints
    state = torch.load(root / 'train.pth', weights_only=True)['state_dict']
    wrapped = {(key.replace('generator.', 'generator.module.', 1)
                if key.startswith('generator.') else key): value
               for key, value in state.items()}
    torch.save(dict(state_dict=wrapped), tmp_path / 'wrapped.pth')
    plain, from_wrapped = (init_model(cfg, str(path), vocabulary=shapes_vocabulary())
                           for path in (root / 'train.pth', tmp_path / 'wrapped.pth'))
    assert np.array_equal(images(from_wrapped, 'orig'), images(plain, 'orig'))
