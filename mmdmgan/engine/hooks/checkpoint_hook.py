"""Checkpoints that are never half-written: temporary file, fsync, then an atomic rename."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Optional, Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook

from mmdmgan.registry import HOOKS

ATOMIC_BACKEND = 'atomic_local'


def atomic_write(data: Union[bytes, str], filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``filepath`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file in the same directory (same file system), are flushed
    to disk, and replace ``filepath`` with ``os.replace`` (atomic on POSIX and Windows). A
    crash leaves at most a ``*.tmp`` file, which is removed when the write fails in Python.
    """
    filepath = str(filepath)
    directory = osp.dirname(osp.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode(encoding)
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix='.' + osp.basename(filepath),
                                         suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_path, filepath)
    except BaseException:
        if osp.exists(temp_path):
            os.remove(temp_path)
        raise


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with atomic ``put`` / ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(obj, filepath, encoding)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` whose checkpoints are written atomically.

    A run killed while saving leaves the previous checkpoint intact and ``--resume`` picks
    the last complete one. Takes CheckpointHook's arguments; ``backend_args`` defaults to
    the atomic local backend (give another backend explicitly for remote storage).
    """

    def __init__(self, *args, backend_args: Optional[dict] = None, **kwargs) -> None:
        if backend_args is None:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args, **kwargs)
