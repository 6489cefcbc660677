import cv2
import numpy as np
import pytest
from data_fixtures import coordinate_image
from PIL import Image

from mmdmgan.datasets import DataItemError
from mmdmgan.datasets.transforms import (
    CropAroundBBox,
    LoadCaptionImage,
    bbox_square_crop_box,
    read_rgb_image,
)


def test_load_converts_to_rgb(tmp_path):
    path = tmp_path / 'grey.jpg'
    Image.fromarray(np.full((10, 12), 200, dtype=np.uint8)).save(path)
    results = LoadCaptionImage()(dict(img_path=str(path)))
    assert results['img'].shape == (10, 12, 3) and results['img'].dtype == np.uint8
    assert results['ori_shape'] == (10, 12)


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(DataItemError, match='missing.jpg not found'):
        LoadCaptionImage()(dict(img_path=str(tmp_path / 'missing.jpg')))
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'\xff\xd8\xff\xe0 truncated jpeg')
    with pytest.raises(DataItemError, match='cannot read image .*broken.jpg'):
        LoadCaptionImage()(dict(img_path=str(broken)))


def test_bbox_square_crop_box_rule():
    # side 1.5 × max(w, h) = 90 around the centre (70, 50)
    assert bbox_square_crop_box((40, 30, 60, 40), 200, 200) == (25, 5, 115, 95)
    # clipped to the image
    assert bbox_square_crop_box((0, 0, 100, 80), 120, 160) == (0, 0, 125, 115)


def test_crop_around_bbox_from_pixels():
    img = coordinate_image(160, 120)
    results = CropAroundBBox()(dict(img=img, bbox=[40.0, 30.0, 60.0, 40.0]))
    assert results['crop_box'] == (25, 5, 115, 95)
    assert results['img'][0, 0].tolist() == [25, 5, 77]
    assert results['img'].shape == (90, 90, 3)
    untouched = CropAroundBBox()(dict(img=img))
    assert untouched['img'] is img
    with pytest.raises(DataItemError, match='outside'):
        CropAroundBBox()(dict(img=img, bbox=[500, 500, 10, 10], img_path='x.jpg'))


def test_sixteen_bit_grey_keeps_its_levels(tmp_path):
    levels = np.arange(0, 65536, 257, dtype=np.uint16).reshape(16, 16)  # k * 257: level k
    path = tmp_path / 'wide.png'
    Image.fromarray(levels).save(path)
    with Image.open(path) as image:
        assert image.mode.startswith('I')  # 16-bit grey, which PIL's convert('RGB') clips
    img, bits = read_rgb_image(str(path))
    assert bits == 16 and img.dtype == np.uint8 and img.shape == (16, 16, 3)
    np.testing.assert_array_equal(img[:, :, 1], np.arange(256).reshape(16, 16))
    assert (LoadCaptionImage()(dict(img_path=str(path)))['img'] == img).all()
    rgb48 = tmp_path / 'rgb48.png'
    wide = np.zeros((2, 3, 3), np.uint16)
    wide[..., 0], wide[..., 1], wide[..., 2] = 257 * 3, 65535, 257 * 10 + 200  # B, G, R
    cv2.imwrite(str(rgb48), wide)
    img, bits = read_rgb_image(str(rgb48))
    assert bits == 16 and img[0, 0].tolist() == [10, 255, 3]  # RGB, v >> 8
    eight = tmp_path / 'eight.png'
    Image.fromarray(coordinate_image(5, 4)).save(eight)
    img, bits = read_rgb_image(str(eight))
    assert bits == 8 and (img == coordinate_image(5, 4)).all()


def test_truncated_jpeg_fails_when_read(tmp_path):
    path = tmp_path / 'cut.jpg'
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
                    ).save(path, format='JPEG')
    path.write_bytes(path.read_bytes()[:-300])
    with Image.open(path) as image:
        image.verify()  # what passed before: verify() does not decode
    with pytest.raises(DataItemError, match='cannot read image .*cut.jpg .*truncated'):
        read_rgb_image(str(path))
