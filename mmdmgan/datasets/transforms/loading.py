"""Image loading and the CUB bounding-box crop."""
import os
from typing import Sequence, Tuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from mmdmgan.datasets.errors import DataItemError
from mmdmgan.registry import TRANSFORMS

# PIL modes of one-channel images with more than 8 bits (16-bit PNG / TIFF grey levels).
WIDE_GREY_MODES = ('I', 'I;16', 'I;16B', 'I;16L', 'I;16N')


def _png_bit_depth(path: str) -> int:
    with open(path, 'rb') as file:
        header = file.read(25)
    return header[24] if len(header) == 25 else 8


def read_rgb_image(path: str) -> Tuple[np.ndarray, int]:
    """Decode a whole image file into RGB uint8 H×W×3.

    PIL is used, as in the reference, so grey-scale and CMYK JPEGs (both occur in COCO)
    become RGB the same way. 16-bit images keep their levels: value ``v`` becomes
    ``v >> 8`` (what PIL does itself for 16-bit RGB PNGs), where PIL's own conversion of
    16-bit grey would clip everything above 255 to white.

    Args:
        path (str): The image file.

    Returns:
        tuple[np.ndarray, int]: The image, and the bits per channel of the file (8 or 16).

    Raises:
        DataItemError: Naming the file when it is missing, truncated, corrupt or has a
            pixel format without a defined 8-bit conversion (e.g. 32-bit integers).
    """
    if not os.path.isfile(path):
        raise DataItemError(f'image file {path} not found; check the dataset folder '
                            '(tools/data/check_dataset.py lists what is missing)')
    try:
        with Image.open(path) as image:
            image.load()  # decodes everything: a truncated file fails here, not later
            bits = 16 if image.format == 'PNG' and _png_bit_depth(path) == 16 else 8
            if image.mode in WIDE_GREY_MODES:
                grey = np.array(image)
                if grey.min() < 0 or grey.max() > 65535:
                    raise DataItemError(f'image {path}: {image.mode} pixels outside 0..65535 '
                                        '(32-bit data); convert it to an 8- or 16-bit image')
                grey = (grey.astype(np.uint32) >> 8).astype(np.uint8)
                return np.repeat(grey[:, :, None], 3, axis=2), 16
            return np.array(image.convert('RGB')), bits
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
        raise DataItemError(f'cannot read image {path} ({error}); replace the file or '
                            'set skip_bad_items=True in the dataset config') from error


@TRANSFORMS.register_module()
class LoadCaptionImage:
    """Read ``results['img_path']`` as an RGB uint8 array H×W×3 into ``results['img']``
    (:func:`read_rgb_image`: 16-bit files are reduced to 8 bits, not clipped). Adds
    ``ori_shape`` (H, W).
    """

    def __call__(self, results: dict) -> dict:
        img, _ = read_rgb_image(results['img_path'])
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
