from .image import to_uint8
from .io import atomic_write, atomic_write_bytes, is_atomic_temp_file, remove_stale_temp_files
from .model import get_valid_model

__all__ = ['atomic_write', 'atomic_write_bytes', 'get_valid_model', 'is_atomic_temp_file',
           'remove_stale_temp_files', 'to_uint8']
