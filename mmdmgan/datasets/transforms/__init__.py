from .captions import SampleCaption
from .formatting import PackCaptionInputs
from .geometric import CenterSquareCrop, RandomHorizontalFlip, RandomSquareCrop, ResizeShorterSide
from .loading import CropAroundBBox, LoadCaptionImage, bbox_square_crop_box, read_rgb_image

__all__ = [
    'CenterSquareCrop', 'CropAroundBBox', 'LoadCaptionImage', 'PackCaptionInputs',
    'RandomHorizontalFlip', 'RandomSquareCrop', 'ResizeShorterSide', 'SampleCaption',
    'bbox_square_crop_box', 'read_rgb_image'
]
