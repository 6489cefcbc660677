import pytest
import torch
from torch import nn

from mmdmgan.models.dmgan import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from mmdmgan.registry import MODELS

TINY = dict(gf_dim=4, num_stages=3, num_residual=1, text_dim=16, condition_dim=6, noise_dim=5)


def tiny_generator(**overrides):
    torch.manual_seed(0)
    return DMGANGenerator(**{**TINY, **overrides})


def make_inputs(batch=2, max_len=5, seed=1):
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(batch, TINY['noise_dim'], generator=generator)
    sentence = torch.randn(batch, TINY['text_dim'], generator=generator)
    words = torch.randn(batch, TINY['text_dim'], max_len, generator=generator)
    lengths = torch.tensor([max_len] + [2] * (batch - 1))
    mask = torch.arange(max_len)[None] >= lengths[:, None]
    epsilon = torch.randn(batch, TINY['condition_dim'], generator=generator)
    return noise, sentence, words.masked_fill(mask[:, None], 0), mask, epsilon


def test_shapes_at_all_stages():
    generator = tiny_generator()
    noise, sentence, words, mask, epsilon = make_inputs()
    output = generator(noise, sentence, words, mask, ca_epsilon=epsilon)
    assert isinstance(output, GeneratorOutput)
    assert [tuple(img.shape) for img in output.images] == [(2, 3, 64, 64), (2, 3, 128, 128),
                                                           (2, 3, 256, 256)]
    assert [tuple(a.shape) for a in output.attention_maps] == [(2, 5, 64, 64), (2, 5, 128, 128)]
    assert output.mu.shape == output.logvar.shape == (2, TINY['condition_dim'])
    for img in output.images:
        assert img.abs().max() <= 1
    for attention in output.attention_maps:
        torch.testing.assert_close(attention.sum(1), torch.ones_like(attention[:, 0]))
        assert attention[1, 2:].abs().max() == 0


@pytest.mark.parametrize('num_stages', [1, 2])
def test_fewer_stages(num_stages):
    generator = tiny_generator(num_stages=num_stages)
    output = generator(*make_inputs()[:4])
    assert len(output.images) == num_stages
    assert len(output.attention_maps) == num_stages - 1
    assert output.images[-1].shape[-1] == 64 * 2**(num_stages - 1)


def test_determinism_given_noise_and_epsilon():
    generator = tiny_generator().eval()
    noise, sentence, words, mask, epsilon = make_inputs()
    first = generator(noise, sentence, words, mask, ca_epsilon=epsilon)
    second = generator(noise, sentence, words, mask, ca_epsilon=epsilon)
    for a, b in zip(first.images, second.images):
        torch.testing.assert_close(a, b, atol=0, rtol=0)
    other = generator(noise, sentence, words, mask, ca_epsilon=epsilon + 1)
    assert not torch.allclose(first.images[-1], other.images[-1])


def test_conditioning_augmentation_sampling_and_mean():
    torch.manual_seed(0)
    augmentation = ConditioningAugmentation(text_dim=8, condition_dim=3).eval()
    sentence = torch.randn(4, 8)
    epsilon = torch.randn(4, 3)
    condition, mu, logvar = augmentation(sentence, epsilon)
    torch.testing.assert_close(condition, mu + epsilon * torch.exp(0.5 * logvar))
    # Eval mode still samples unless told to use the mean.
    assert not torch.allclose(augmentation(sentence)[0], augmentation(sentence)[0])
    torch.testing.assert_close(augmentation(sentence, use_mean=True)[0], mu)
    with pytest.raises(ValueError, match='ca_epsilon'):
        augmentation(sentence, torch.randn(4, 2))


def test_gradients_reach_every_parameter():
    generator = tiny_generator(num_stages=2)
    noise, sentence, words, mask, epsilon = make_inputs()
    output = generator(noise, sentence, words, mask, ca_epsilon=epsilon)
    loss = sum(img.square().mean() for img in output.images) + output.mu.square().mean()
    loss.backward()
    for name, parameter in generator.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_reference_init():
    generator = tiny_generator()
    norms = [m for m in generator.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    weights = torch.cat([m.weight for m in norms])
    assert abs(weights.mean().item() - 1) < 0.01 and abs(weights.std().item() - 0.02) < 0.01
    assert all(m.bias.abs().max() == 0 for m in norms)
    projection = generator.conditioning_augmentation.projection
    assert projection.bias.abs().max() == 0
    for module in generator.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            weight = module.weight.flatten(1)
            small, large = sorted(weight.shape)
            gram = weight @ weight.t() if weight.shape[0] == small else weight.t() @ weight
            torch.testing.assert_close(gram, torch.eye(small), atol=1e-4, rtol=0)


@pytest.mark.parametrize('num_residual,millions', [(2, 21.45), (3, 22.34)])
def test_parameter_count_matches_reference(num_residual, millions):
    with torch.device('meta'):  # full size, without spending time on the init
        generator = DMGANGenerator(num_residual=num_residual)
    count = sum(p.numel() for p in generator.parameters() if p.requires_grad)
    assert round(count / 1e6, 2) == millions


def test_registry_build_and_bad_noise():
    generator = MODELS.build(dict(type='DMGANGenerator', **TINY))
    assert isinstance(generator, DMGANGenerator)
    noise, sentence, words, mask, _ = make_inputs()
    with pytest.raises(ValueError, match='noise'):
        generator(noise[:, :3], sentence, words, mask)


@MODELS.register_module()
class ImageOnlyBlock(nn.Module):
    """A test text block that ignores the words: new features = conv(features)."""

    def __init__(self, image_dim, word_dim, scale=1.0):
        super().__init__()
        self.conv = nn.Conv2d(image_dim, image_dim, 1)
        self.scale = scale

    def forward(self, features, words, word_mask, return_attention=True):
        return self.conv(features) * self.scale, None


@MODELS.register_module()
class WidenedBlock(ImageOnlyBlock):
    """Returns [h, conv(h), h] (3·C channels): no stage layout fits."""

    def __init__(self, image_dim, word_dim):
        super().__init__(image_dim, word_dim)
        self.out_channels = 3 * image_dim


def test_text_block_swaps_in_from_the_config():
    generator = MODELS.build(dict(type='DMGANGenerator', **TINY,
                                  memory=dict(type='ImageOnlyBlock', scale=2.0)))
    for stage in generator.refinement_stages:
        assert isinstance(stage.memory, ImageOnlyBlock) and stage.memory.scale == 2.0
        assert stage.duplicate  # gf channels out: [r', r'] as in DM-GAN
    noise, sentence, words, mask, epsilon = make_inputs()
    output = generator(noise, sentence, words, mask, ca_epsilon=epsilon)
    assert output.images[-1].shape == (2, 3, 256, 256)
    assert output.attention_maps == [None, None]
    # Options the block does not take reach it only when set, and then fail loudly.
    with pytest.raises(TypeError, match='reference_mask_bug'):
        MODELS.build(dict(type='DMGANGenerator', **TINY, reference_mask_bug=True,
                          memory=dict(type='ImageOnlyBlock')))
    with pytest.raises(ValueError, match='12 channels'):
        MODELS.build(dict(type='DMGANGenerator', **TINY, memory=dict(type='WidenedBlock')))


def test_default_block_and_keys_are_the_dynamic_memory():
    default, explicit = tiny_generator(), tiny_generator(memory=dict(type='DynamicMemory'))
    assert default.state_dict().keys() == explicit.state_dict().keys()
    for (name, a), b in zip(default.state_dict().items(), explicit.state_dict().values()):
        assert torch.equal(a, b), name
    assert 'refinement_stages.0.memory.word_writing_gate.weight' in default.state_dict()


def test_attngan_generator_concatenates_features_and_context():
    generator = tiny_generator(memory=dict(type='WordContextAttention'))
    stage = generator.refinement_stages[0]
    assert not stage.duplicate and stage.residual_blocks[0].conv1.in_channels == 2 * 4
    assert set(stage.memory.state_dict()) == {'word_projection.weight'}
    output = generator(*make_inputs())
    assert [tuple(a.shape) for a in output.attention_maps] == [(2, 5, 64, 64), (2, 5, 128, 128)]


@pytest.mark.parametrize('memory', [dict(type='DynamicMemory'),
                                    dict(type='WordContextAttention')])
def test_generator_runs_in_float64_and_under_autocast(memory):
    generator = tiny_generator(memory=memory).eval()
    inputs = make_inputs()
    with torch.no_grad():
        fp32 = generator(*inputs[:4], ca_epsilon=inputs[4])
        fp64 = generator.double()(*(t.double() if t.is_floating_point() else t
                                    for t in inputs[:4]), ca_epsilon=inputs[4].double())
        generator.float()
        with torch.autocast('cpu', dtype=torch.bfloat16):
            bf16 = generator(*inputs[:4], ca_epsilon=inputs[4])
    assert fp64.images[-1].dtype == torch.float64
    assert (fp64.images[-1] - fp32.images[-1]).abs().max() < 1e-4
    assert (bf16.images[-1].float() - fp32.images[-1]).abs().max() < 0.25
