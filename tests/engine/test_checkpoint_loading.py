"""Checkpoint keys without DDP wrapper segments, and strict comparison with a model."""
import copy
import sys
from collections import OrderedDict

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from mmdmgan.engine import DeviceAgnosticSeparateDistributedDataParallel
from mmdmgan.engine.checkpoint_loading import (
    CheckpointMismatchError,
    check_state_dict,
    load_checked_state_dict,
    strip_wrapper_prefixes,
)
from mmdmgan.registry import MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))  # tiny_modules, imported by the tiny config


def tiny_model(**generator):
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.generator.update(generator)
    if generator.get('num_stages') == 1:
        model_cfg.data_preprocessor.pyramid_sizes = (64,)
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


def with_wrapper_segments(state_dict):
    """The keys a two-process run wrote before checkpoints were made wrapper-free."""
    wrapped = OrderedDict()
    for key, value in state_dict.items():
        part, _, rest = key.partition('.')
        wrapped[f'{part}.module.{rest}' if part in ('generator', 'discriminators')
                else key] = value
    return wrapped


def test_strip_wrapper_prefixes_keeps_the_ema_module():
    tensor = torch.zeros(1)
    state = OrderedDict([('generator.module.fc.weight', tensor),
                         ('discriminators.module.0.conv.weight', tensor),
                         ('generator_ema.steps', tensor),
                         ('generator_ema.module.fc.weight', tensor),
                         ('text_encoder.lstm.weight', tensor)])
    state._metadata = OrderedDict([('generator', {'version': 'wrapper'}),
                                   ('generator.module', {'version': 'inner'}),
                                   ('generator.module.fc', {'version': 1})])
    stripped = strip_wrapper_prefixes(state)
    assert list(stripped) == ['generator.fc.weight', 'discriminators.0.conv.weight',
                              'generator_ema.steps', 'generator_ema.module.fc.weight',
                              'text_encoder.lstm.weight']
    assert stripped._metadata == {'generator': {'version': 'inner'},
                                  'generator.fc': {'version': 1}}
    assert list(strip_wrapper_prefixes(stripped)) == list(stripped)
    whole = strip_wrapper_prefixes({'module.generator.fc.weight': tensor,
                                    'module.generator_ema.steps': tensor})
    assert list(whole) == ['generator.fc.weight', 'generator_ema.steps']


def test_separate_ddp_state_dict_has_the_keys_of_the_unwrapped_model(tmp_path):
    model = tiny_model()
    expected = model.state_dict()
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/rendezvous', rank=0,
                            world_size=1)
    try:
        wrapped = DeviceAgnosticSeparateDistributedDataParallel(module=model)
        assert type(model.generator).__name__ != 'DMGANGenerator'  # the part is wrapped
        state = wrapped.module.state_dict()
    finally:
        dist.destroy_process_group()
    assert list(state) == list(expected)
    assert all(torch.equal(state[key], expected[key]) for key in expected)
    assert 'generator.module' not in state._metadata


def test_old_wrapped_checkpoint_loads_like_a_plain_one():
    source, target = tiny_model(), tiny_model()
    with torch.no_grad():
        for parameter in source.generator.parameters():
            parameter.add_(1)
    state = with_wrapper_segments(source.state_dict())
    assert not check_state_dict(target, strip_wrapper_prefixes(state))
    load_checked_state_dict(target, state, 'old.pth')
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_mismatch_names_keys_counts_and_the_config_value():
    one_stage = tiny_model(num_stages=1, gf_dim=8).state_dict()
    model = tiny_model()
    mismatch = check_state_dict(model, one_stage)
    assert mismatch.config_differences['model.generator.num_stages'] == (1, 2)
    assert mismatch.config_differences['model.generator.gf_dim'] == (8, 4)
    assert any(key.startswith('generator.image_heads.1.') for key in mismatch.missing)
    with pytest.raises(CheckpointMismatchError) as error:
        load_checked_state_dict(model, one_stage, 'one_stage.pth', advice='pass strict=False')
    message = str(error.value)
    for expected in ('one_stage.pth does not fit', 'model.generator.num_stages 1 vs 2',
                     'model.generator.gf_dim 8 vs 4', f'missing keys ({len(mismatch.missing)})',
                     f'shape mismatches ({len(mismatch.mismatched)})',
                     '\n    generator.initial_stage.projection.0.weight: checkpoint (4096, 16) '
                     'vs model (2048, 16)\n',
                     'pass strict=False'):
        assert expected in message
    assert not check_state_dict(model, one_stage, ignore=('generator', 'discriminators'))


def test_partial_load_keeps_what_does_not_fit_and_loads_the_rest():
    other = tiny_model(gf_dim=8)
    with torch.no_grad():
        other.text_encoder.word_embedding.weight.add_(1)
    model = tiny_model()
    before = copy.deepcopy(model.generator.state_dict())
    mismatch = load_checked_state_dict(model, other.state_dict(), 'other.pth', strict=False)
    assert mismatch.mismatched
    assert torch.equal(model.text_encoder.word_embedding.weight,
                       other.text_encoder.word_embedding.weight)
    image_head = 'image_heads.0.0.weight'
    assert torch.equal(model.generator.state_dict()[image_head], before[image_head])
