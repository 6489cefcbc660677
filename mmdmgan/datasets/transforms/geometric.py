"""Resizing, cropping and flipping of ``results['img']`` (H×W×3 uint8)."""
import numpy as np
from PIL import Image

from mmdmgan.registry import TRANSFORMS

_INTERPOLATIONS = {
    'nearest': Image.NEAREST,
    'bilinear': Image.BILINEAR,
    'bicubic': Image.BICUBIC,
    'lanczos': Image.LANCZOS,
}


@TRANSFORMS.register_module()
class ResizeShorterSide:
    """Resize so the shorter side is ``size``, keeping the aspect ratio.

    Matches ``torchvision.transforms.Resize(int)`` on PIL images, which the reference
    uses with ``size = int(256 * 76 / 64) = 304`` before its random 256 crop.

    Args:
        size (int): Target length of the shorter side.
        interpolation (str): One of nearest, bilinear (the reference), bicubic, lanczos.
    """

    def __init__(self, size: int = 304, interpolation: str = 'bilinear') -> None:
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f'interpolation must be one of {sorted(_INTERPOLATIONS)}, '
                             f'got {interpolation!r}')
        self.size = size
        self.interpolation = interpolation

    def __call__(self, results: dict) -> dict:
        img = results['img']
        height, width = img.shape[:2]
        short, long = min(height, width), max(height, width)
        if short == self.size:
            return results
        new_long = int(self.size * long / short)
        new_w, new_h = (self.size, new_long) if width <= height else (new_long, self.size)
        resized = Image.fromarray(img).resize((new_w, new_h), _INTERPOLATIONS[self.interpolation])
        results['img'] = np.array(resized)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size}, interpolation={self.interpolation!r})'


class _SquareCrop:
    """Shared code of the square crops; subclasses choose the top-left corner."""

    def __init__(self, size: int = 256) -> None:
        self.size = size

    def _corner(self, height: int, width: int) -> tuple:
        raise NotImplementedError

    def __call__(self, results: dict) -> dict:
        img = results['img']
        height, width = img.shape[:2]
        if height < self.size or width < self.size:
            raise ValueError(f'{type(self).__name__}: image {results.get("img_path", "")} is '
                             f'{width}x{height}, smaller than the crop {self.size}; put '
                             f'ResizeShorterSide(size>={self.size}) before it')
        top, left = self._corner(height, width)
        results['img'] = np.ascontiguousarray(img[top:top + self.size, left:left + self.size])
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size})'


@TRANSFORMS.register_module()
class RandomSquareCrop(_SquareCrop):
    """Crop a random ``size``×``size`` window (training)."""

    def _corner(self, height: int, width: int) -> tuple:
        return (np.random.randint(0, height - self.size + 1),
                np.random.randint(0, width - self.size + 1))


@TRANSFORMS.register_module()
class CenterSquareCrop(_SquareCrop):
    """Crop the central ``size``×``size`` window (testing), rounding like torchvision."""

    def _corner(self, height: int, width: int) -> tuple:
        return (int(round((height - self.size) / 2.0)), int(round((width - self.size) / 2.0)))


@TRANSFORMS.register_module()
class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``prob``; sets ``results['flip']``.

    Do not use it on data whose captions name left and right (the shapes dataset).

    Args:
        prob (float): Flip probability.
    """

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def __call__(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.prob)
        if flip:
            results['img'] = np.ascontiguousarray(results['img'][:, ::-1])
        results['flip'] = flip
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'
