import numpy as np
import pytest
from data_fixtures import coordinate_image
from PIL import Image

from mmdmgan.datasets import DataItemError
from mmdmgan.datasets.transforms import CropAroundBBox, LoadCaptionImage, bbox_square_crop_box


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
