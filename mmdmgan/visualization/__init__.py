"""Drawing of generated images: tiles, word-attention heat maps and labelled sheets.

Used by the training hook (``engine/hooks/visualization_hook.py``) and by the demo and
``mmdmgan.apis``; it depends on nothing of mmdmgan but ``utils``.
"""
from .drawing import attention_overlay, labelled, to_uint8_image
from .sheets import attention_sheet, build_grid, stage_sheet

__all__ = [
    'attention_overlay', 'attention_sheet', 'build_grid', 'labelled', 'stage_sheet',
    'to_uint8_image'
]
