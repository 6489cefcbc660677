from .image import to_uint8
from .io import atomic_write, atomic_write_bytes

__all__ = ['atomic_write', 'atomic_write_bytes', 'to_uint8']
