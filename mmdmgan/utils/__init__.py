from .image import to_uint8
from .io import atomic_write, atomic_write_bytes
from .model import get_valid_model

__all__ = ['atomic_write', 'atomic_write_bytes', 'get_valid_model', 'to_uint8']
