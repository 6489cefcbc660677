"""Image loading and the CUB bounding-box crop."""
import os
from typing import Sequence

import numpy as np
from PIL import Image, UnidentifiedImageError

from mmdmgan.datasets.errors import DataItemError
from mmdmgan.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadCaptionImage:
    """Read ``results['img_path']`` as an RGB uint8 array H×W×3 into ``results['img']``.

    PIL is used, as in the reference, so grey-scale and CMYK JPEGs (both occur in COCO)
    become RGB the same way. Adds ``ori_shape`` (H, W).
    """

    def __call__(self, results: dict) -> dict:
        path = results['img_path']
        if not os.path.isfile(path):
            raise DataItemError(f'image file {path} not found; check the dataset folder '
                                '(tools/data/check_dataset.py lists what is missing)')
        try:
            with Image.open(path) as image:
                img = np.array(image.convert('RGB'))
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
            raise DataItemError(f'cannot read image {path} ({error}); replace the file or '
                                'set skip_bad_items=True in the dataset config') from error
        results['img'] = img
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


def bbox_square_crop_box(bbox: Sequence[float], height: int, width: int,
                         scale: float = 1.5) -> tuple:
    """The square around a box that AttnGAN crops CUB birds with, clipped to the image.

    Side ``scale``·max(w, h) (integer half side, as in the reference), centred on the box.

    Args:
        bbox (Sequence[float]): ``(x_left, y_top, width, height)`` in pixels.
        height (int): Image height.
        width (int): Image width.
        scale (float): Side of the square relative to the longer box side.

    Returns:
        tuple: ``(x1, y1, x2, y2)`` integer pixel bounds, x2/y2 exclusive.
    """
    x, y, box_w, box_h = (int(value) for value in bbox)
    half_side = int(max(box_w, box_h) * scale / 2)
    center_x = int((2 * x + box_w) / 2)
    center_y = int((2 * y + box_h) / 2)
    return (max(0, center_x - half_side), max(0, center_y - half_side),
            min(width, center_x + half_side), min(height, center_y + half_side))


@TRANSFORMS.register_module()
class CropAroundBBox:
    """Crop ``results['img']`` to the square around ``results['bbox']`` (CUB birds).

    Items without a ``bbox`` (COCO, custom data) pass through unchanged.

    Args:
        scale (float): Side of the square relative to the longer box side (1.5 in AttnGAN).
    """

    def __init__(self, scale: float = 1.5) -> None:
        self.scale = scale

    def __call__(self, results: dict) -> dict:
        bbox = results.get('bbox')
        if bbox is None:
            return results
        img = results['img']
        x1, y1, x2, y2 = bbox_square_crop_box(bbox, img.shape[0], img.shape[1], self.scale)
        if x2 <= x1 or y2 <= y1:
            raise DataItemError(f'bounding box {list(bbox)} of {results.get("img_path")} lies '
                                f'outside the {img.shape[1]}x{img.shape[0]} image')
        results['img'] = np.ascontiguousarray(img[y1:y2, x1:x2])
        results['crop_box'] = (x1, y1, x2, y2)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale={self.scale})'
