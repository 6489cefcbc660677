from . import transforms  # noqa: F401  (registration)
from .attngan_dataset import (
    AttnGANDataset,
    COCODataset,
    CUBDataset,
    build_captions_pickle,
    load_captions_pickle,
    load_legacy_pickle,
)
from .base_caption_dataset import BaseCaptionDataset
from .caption_dataset import CaptionDataset, build_vocabulary_from_jsonl, read_captions_jsonl
from .errors import DataItemError
from .looped_caption_dataset import LoopedCaptionDataset
from .shapes import (
    ShapesDataset,
    render_scene,
    sample_scene,
    shapes_vocabulary,
    swap_attribute,
    write_shapes_dataset,
)
from .vocabulary import Vocabulary, fit_caption_length, tokenize

__all__ = [
    'AttnGANDataset', 'BaseCaptionDataset', 'COCODataset', 'CUBDataset', 'CaptionDataset',
    'DataItemError', 'LoopedCaptionDataset', 'ShapesDataset', 'Vocabulary', 'build_captions_pickle',
    'build_vocabulary_from_jsonl', 'fit_caption_length', 'load_captions_pickle',
    'load_legacy_pickle', 'read_captions_jsonl', 'render_scene', 'sample_scene',
    'shapes_vocabulary', 'swap_attribute', 'tokenize', 'write_shapes_dataset'
]
