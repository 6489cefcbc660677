"""The fast-path switches of DM-GAN (issue 8) against fp32 eager: fused memory read
(``attention_impl='sdpa'``), ``channels_last`` and bf16 autocast (``AutocastOptimWrapper``)."""
import copy
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmdmgan.models.dmgan import DMGANGenerator
from mmdmgan.registry import DATASETS, MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))
import tiny_modules  # noqa: E402,F401  (registers TinyImageEncoder)

TINY_GENERATOR = dict(noise_dim=8, text_dim=32, condition_dim=8, gf_dim=4, num_stages=2,
                      num_residual=1)
# bf16 autocast vs fp32, generator in training mode (batch-norm on batch statistics), images in
# [-1, 1]; measured on CPU: tiny max 0.14 / mean 0.0045, CUB size (gf 64, 256 px) max 0.19 /
# mean 0.0068 (docs/benchmarks.md).
BF16_MAX_ABS, BF16_MEAN_ABS = 0.25, 0.01
# fp32 rounding of a reordered computation, through every stage and batch-norm of G
# (one memory block alone: 1e-5, tests/models/dmgan/test_memory.py); measured 1.4e-5.
FP32_WHOLE_GENERATOR = 1e-4


@pytest.fixture(scope='module')
def cfg():
    init_default_scope('mmdmgan')
    return Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))


@pytest.fixture(scope='module')
def batch(cfg):
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return pseudo_collate([dataset[i] for i in range(3)])


def generator_inputs(batch_size=4, words_num=18, lengths=(3, 18, 9, 12)):
    rng = torch.Generator().manual_seed(1)
    text_dim = TINY_GENERATOR['text_dim']
    mask = torch.arange(words_num)[None] >= torch.tensor(lengths)[:, None]
    words = torch.randn(batch_size, text_dim, words_num, generator=rng)
    return dict(noise=torch.randn(batch_size, TINY_GENERATOR['noise_dim'], generator=rng),
                sentence=torch.randn(batch_size, text_dim, generator=rng),
                words=words.masked_fill(mask[:, None], 0), word_mask=mask,
                ca_epsilon=torch.randn(batch_size, TINY_GENERATOR['condition_dim'],
                                       generator=rng))


def build_generator(**kwargs):
    torch.manual_seed(0)
    return DMGANGenerator(**TINY_GENERATOR, **kwargs)


def build_model(cfg, **kwargs):
    torch.manual_seed(0)
    model = MODELS.build(dict(copy.deepcopy(cfg.model), **kwargs))
    model.init_weights()
    return model


def test_generator_with_fused_memory_read_matches_matmul():
    inputs = generator_inputs()
    expected = build_generator()(**inputs, return_attention=False)
    actual = build_generator(attention_impl='sdpa')(**inputs, return_attention=False)
    assert actual.attention_maps == []
    for fused, materialised in zip(actual.images, expected.images):
        assert (fused - materialised).abs().max() <= FP32_WHOLE_GENERATOR


@pytest.mark.parametrize('training', [True, False])
def test_generator_under_bf16_autocast_matches_fp32(training):
    generator = build_generator(attention_impl='sdpa').train(training)
    inputs = generator_inputs()
    with torch.no_grad():
        expected = generator(**inputs, return_attention=False).images
        with torch.autocast('cpu', dtype=torch.bfloat16):
            actual = generator(**inputs, return_attention=False).images
    for low, full in zip(actual, expected):
        assert low.dtype == torch.bfloat16
        error = (low.float() - full).abs()
        assert error.max() <= BF16_MAX_ABS and error.mean() <= BF16_MEAN_ABS


def test_channels_last_model_matches_contiguous(cfg, batch):
    contiguous, channels_last = build_model(cfg), build_model(cfg, channels_last=True)
    for module in (channels_last.generator, channels_last.discriminators):
        weights = [p for p in module.parameters() if p.dim() == 4]
        assert weights and all(
            p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    inputs = channels_last.data_preprocessor(batch)['inputs']
    images = [model.generate_from_tokens(inputs['caption_ids'], inputs['caption_len'],
                                         seed=0).images
              for model in (contiguous, channels_last)]
    for expected, actual in zip(*images):
        assert (expected - actual).abs().max() <= FP32_WHOLE_GENERATOR

    losses = []
    for model in (contiguous, channels_last):
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        torch.manual_seed(1)
        losses.append(model.train_step(batch, optim_wrapper))
    for name, expected in losses[0].items():
        # (Parameters after the step are not compared: Adam turns rounding-level gradients
        # into ±lr steps.)
        torch.testing.assert_close(losses[1][name], expected, rtol=1e-4, atol=1e-5)


def test_train_step_under_bf16_autocast_on_cpu(cfg, batch):
    model = build_model(cfg, generator=dict(cfg.model.generator, attention_impl='sdpa'))
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    for key in ('generator', 'discriminators'):
        optim_cfg[key].update(type='AutocastOptimWrapper', dtype='bfloat16')
    optim_wrapper = build_optim_wrapper(model, optim_cfg)
    before = [p.detach().clone() for p in model.generator.parameters()]
    torch.manual_seed(1)
    log_vars = model.train_step(batch, optim_wrapper)
    for name, value in log_vars.items():
        # Every loss is computed in fp32 (BCE-with-logits, DAMSM, KL).
        assert value.dtype == torch.float32 and torch.isfinite(value), name
    assert all(p.dtype == torch.float32 for p in model.parameters())
    moved = sum(not torch.equal(b, p) for b, p in zip(before, model.generator.parameters()))
    assert moved > 0.9 * len(before)


def test_autocast_optim_wrapper_rejects_other_dtypes():
    with pytest.raises(ValueError, match='bfloat16'):
        build_optim_wrapper(torch.nn.Linear(2, 2), dict(
            type='AutocastOptimWrapper', dtype='float32',
            optimizer=dict(type='SGD', lr=0.1)))
