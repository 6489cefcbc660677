from mmdmgan.models.dmgan.text2image import (
    DMGANText2ImagePipeline,
    EncodedText,
    Text2ImageOutput,
)
from mmdmgan.utils import to_uint8
from mmdmgan.visualization import attention_sheet, stage_sheet

from .inference import (
    SHAPES_DEMO_CHECKPOINT,
    SHAPES_DEMO_CONFIG,
    find_vocabulary,
    init_full_model,
    init_model,
)

__all__ = [
    'DMGANText2ImagePipeline', 'EncodedText', 'SHAPES_DEMO_CHECKPOINT', 'SHAPES_DEMO_CONFIG',
    'Text2ImageOutput', 'attention_sheet', 'find_vocabulary', 'init_full_model', 'init_model',
    'stage_sheet',
    'to_uint8'
]
