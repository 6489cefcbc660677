import numpy as np
import pytest
import torch

from mmdmgan.utils import to_uint8


def test_to_uint8_maps_minus_one_to_one_onto_0_255_channels_last():
    images = torch.tensor([-1.0, 0.0, 1.0]).view(1, 3, 1, 1).expand(2, 3, 2, 4)
    array = to_uint8(images)
    assert array.dtype == np.uint8 and array.shape == (2, 2, 4, 3)
    assert array[0, 0, 0].tolist() == [0, 128, 255]


def test_to_uint8_clips_and_rounds_or_truncates():
    # (x + 1) · 127.5 = 1.9 for x = -0.9851: rounds to 2, truncates to 1.
    images = torch.tensor([-3.0, -0.9851, 2.0]).view(1, 3, 1, 1)
    assert to_uint8(images)[0, 0, 0].tolist() == [0, 2, 255]
    assert to_uint8(images, truncate=True)[0, 0, 0].tolist() == [0, 1, 255]


def test_to_uint8_accepts_half_precision_and_gradients():
    images = torch.zeros(1, 3, 2, 2, dtype=torch.float16, requires_grad=True)
    assert to_uint8(images).max() == 128


@pytest.mark.parametrize('shape', [(3, 4, 4), (1, 1, 4, 4)])
def test_to_uint8_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match='N×3×H×W'):
        to_uint8(torch.zeros(shape))
