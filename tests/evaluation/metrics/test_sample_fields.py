import pytest
import torch
from torch import nn

from mmdmgan.evaluation.metrics.sample_fields import (
    build_frozen_module,
    image_in_model_range,
    sample_field,
    stack_images,
)
from mmdmgan.structures import DataSample


def test_uint8_and_float_images_map_to_model_range():
    uint8 = torch.tensor([0, 255, 51], dtype=torch.uint8).view(3, 1, 1)
    torch.testing.assert_close(image_in_model_range(uint8, 'gt_img', 'FID').flatten(),
                               torch.tensor([-1.0, 1.0, 51 / 127.5 - 1]))
    batch = stack_images([{'img': uint8}, {'img': uint8.float() / 127.5 - 1}], 'img', 'FID')
    torch.testing.assert_close(batch[0], batch[1])


@pytest.mark.parametrize('image, message', [
    (torch.zeros(1, 4, 4), '3×H×W'),
    (torch.full((3, 4, 4), 255.0), r'\[-1, 1\]'),
])
def test_bad_images_are_explained(image, message):
    with pytest.raises(ValueError, match=message):
        image_in_model_range(image, 'fake_img', 'IS')


def test_fields_of_data_samples_and_dicts():
    assert sample_field(DataSample(class_id=3), 'class_id', 'RPrecision') == 3
    with pytest.raises(KeyError, match="'prompt'"):
        sample_field({'class_id': 3}, 'prompt', 'RPrecision')


def test_frozen_module():
    module = build_frozen_module(nn.Linear(2, 2).train(), 'encoder')
    assert not module.training and not any(p.requires_grad for p in module.parameters())
    with pytest.raises(TypeError, match='encoder'):
        build_frozen_module('not a module', 'encoder')
