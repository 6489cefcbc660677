import numpy as np
import pytest
import torch
import torchvision.transforms as T
from data_fixtures import coordinate_image
from PIL import Image

from mmdmgan.datasets.transforms import (
    CenterSquareCrop,
    RandomHorizontalFlip,
    RandomSquareCrop,
    ResizeShorterSide,
)


def test_resize_matches_torchvision_resize():
    assert int(256 * 76 / 64) == 304
    img = np.random.default_rng(0).integers(0, 255, (150, 200, 3), dtype=np.uint8)
    ours = ResizeShorterSide(304)(dict(img=img))['img']
    reference = np.asarray(T.Resize(304)(Image.fromarray(img)))
    assert ours.shape == reference.shape == (304, 405, 3)
    assert np.abs(ours.astype(int) - reference.astype(int)).max() <= 1
    tall = ResizeShorterSide(304)(dict(img=img.transpose(1, 0, 2)))['img']
    assert tall.shape == (405, 304, 3)
    with pytest.raises(ValueError, match='interpolation'):
        ResizeShorterSide(304, interpolation='area')


def test_random_crop_is_a_window_and_varies():
    img = coordinate_image(80, 70)
    corners = set()
    for _ in range(20):
        crop = RandomSquareCrop(64)(dict(img=img))['img']
        assert crop.shape == (64, 64, 3)
        x0, y0 = crop[0, 0, :2]
        assert np.array_equal(crop, img[y0:y0 + 64, x0:x0 + 64])
        corners.add((int(x0), int(y0)))
    assert len(corners) > 1


def test_center_crop_matches_torchvision():
    img = coordinate_image(81, 70)
    ours = CenterSquareCrop(64)(dict(img=img))['img']
    reference = np.asarray(T.CenterCrop(64)(Image.fromarray(img)))
    assert np.array_equal(ours, reference)
    with pytest.raises(ValueError, match='smaller than the crop'):
        CenterSquareCrop(128)(dict(img=img, img_path='a.jpg'))


def test_flip():
    img = coordinate_image(8, 6)
    flipped = RandomHorizontalFlip(prob=1.0)(dict(img=img))
    assert flipped['flip'] and np.array_equal(flipped['img'], img[:, ::-1])
    kept = RandomHorizontalFlip(prob=0.0)(dict(img=img))
    assert not kept['flip'] and np.array_equal(kept['img'], img)
    torch.from_numpy(flipped['img'])  # contiguous, no negative strides
