import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from mmdmgan.models.dmgan import DMGANDiscriminator
from mmdmgan.registry import MODELS

SIZES = (64, 128, 256)


def tiny(image_size):
    torch.manual_seed(0)
    return DMGANDiscriminator(image_size, df_dim=4, text_dim=8)


@pytest.mark.parametrize('image_size', SIZES)
def test_shapes_and_logits(image_size):
    discriminator = tiny(image_size)
    features = discriminator(torch.randn(3, 3, image_size, image_size))
    assert features.shape == (3, 32, 4, 4)
    unconditional = discriminator.logits(features)
    conditional = discriminator.logits(features, torch.randn(3, 8))
    assert unconditional.shape == conditional.shape == (3,)
    assert not torch.allclose(unconditional, conditional)


@pytest.mark.parametrize('image_size,millions', [(64, 1.88), (128, 5.16), (256, 18.26)])
def test_parameter_count_matches_reference(image_size, millions):
    with torch.device('meta'):  # full size, without spending time on the init
        discriminator = DMGANDiscriminator(image_size)
    count = sum(p.numel() for p in discriminator.parameters() if p.requires_grad)
    assert round(count / 1e6, 2) == millions


@pytest.mark.parametrize('image_size,num_blocks', [(64, 4), (128, 6), (256, 8)])
def test_layout_spectral_norm_and_no_batch_norm(image_size, num_blocks):
    discriminator = tiny(image_size)
    assert len(discriminator.backbone) == num_blocks
    convs = [block[0] for block in discriminator.backbone]
    convs.append(discriminator.conditional_head.joint_conv[0])
    assert all(parametrize.is_parametrized(conv, 'weight') for conv in convs)
    assert all(conv.bias is not None for conv in convs)
    assert not parametrize.is_parametrized(discriminator.conditional_head.logits_conv)
    assert discriminator.unconditional_head.joint_conv is None
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm)
                   for m in discriminator.modules())


def test_spectral_norm_bounds_the_weight():
    discriminator = tiny(64).train()
    images = torch.randn(2, 3, 64, 64)
    for _ in range(20):  # power iterations converge during training-mode forwards
        discriminator(images)
    weight = discriminator.backbone[1][0].weight.flatten(1)
    assert torch.linalg.matrix_norm(weight.detach(), ord=2).item() == pytest.approx(1.0, abs=1e-3)


def test_orthogonal_init_before_spectral_norm():
    discriminator = tiny(64)
    original = discriminator.backbone[0][0].parametrizations.weight.original.flatten(1)  # 4×48
    torch.testing.assert_close(original @ original.t(), torch.eye(4), atol=1e-5, rtol=0)
    logits_weight = discriminator.unconditional_head.logits_conv.weight
    torch.testing.assert_close(logits_weight.norm(), torch.tensor(1.0))


def test_gradients_reach_every_trainable_parameter():
    discriminator = tiny(128)
    features = discriminator(torch.randn(2, 3, 128, 128))
    loss = (discriminator.logits(features).square().mean()
            + discriminator.logits(features, torch.randn(2, 8)).square().mean())
    loss.backward()
    for name, parameter in discriminator.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match='image_size'):
        DMGANDiscriminator(96)
    with pytest.raises(ValueError, match='3×64×64'):
        tiny(64)(torch.randn(1, 3, 128, 128))


def test_registry_build():
    discriminator = MODELS.build(dict(type='DMGANDiscriminator', image_size=128, df_dim=4))
    assert isinstance(discriminator, DMGANDiscriminator)
