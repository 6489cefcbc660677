import pytest
import torch

from mmdmgan.models.damsm import ConvImageEncoder
from mmdmgan.registry import MODELS


def test_outputs_match_the_damsm_image_encoder_interface():
    torch.manual_seed(0)
    encoder = MODELS.build(dict(type='ConvImageEncoder', embedding_dim=8, input_size=32,
                                base_channels=4, num_region_downsamples=2))
    regions, code = encoder(torch.rand(3, 3, 32, 32) * 2 - 1)
    assert regions.shape == (3, 8, 8, 8)
    assert code.shape == (3, 8)
    # Other sides are resized to input_size first.
    regions, code = encoder(torch.rand(2, 3, 48, 48) * 2 - 1)
    assert regions.shape == (2, 8, 8, 8) and code.shape == (2, 8)


def test_every_layer_trains_and_the_input_gets_a_gradient():
    torch.manual_seed(0)
    encoder = ConvImageEncoder(embedding_dim=8, input_size=16, base_channels=4,
                               num_region_downsamples=1)
    img = (torch.rand(2, 3, 16, 16) * 2 - 1).requires_grad_()
    regions, code = encoder(img)
    (regions.square().mean() + code.square().mean()).backward()
    assert all(parameter.grad is not None and parameter.grad.abs().sum() > 0
               for parameter in encoder.parameters())
    assert img.grad.abs().sum() > 0


def test_rejects_bad_sizes_and_inputs():
    with pytest.raises(ValueError, match='multiple of 16'):
        ConvImageEncoder(input_size=40)
    with pytest.raises(ValueError, match='num_region_downsamples'):
        ConvImageEncoder(num_region_downsamples=0)
    with pytest.raises(ValueError, match='B×3×H×W'):
        ConvImageEncoder(input_size=16, num_region_downsamples=1)(torch.zeros(1, 16, 16))


def test_the_first_conv_sees_the_pixel_coordinates():
    encoder = ConvImageEncoder(embedding_dim=8, input_size=16, base_channels=4,
                               num_region_downsamples=1)
    seen = []
    encoder.region_trunk[0].register_forward_hook(lambda module, args, out: seen.append(args[0]))
    encoder(torch.zeros(2, 3, 16, 16))
    (trunk_input, ) = seen
    assert trunk_input.shape == (2, 5, 16, 16)
    side = torch.linspace(-1, 1, 16)
    torch.testing.assert_close(trunk_input[1, 3], side.expand(16, 16))      # x along a row
    torch.testing.assert_close(trunk_input[1, 4], side[:, None].expand(16, 16))  # y down
