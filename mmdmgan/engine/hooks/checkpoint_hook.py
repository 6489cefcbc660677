"""Checkpoints that are never half-written: temporary file, fsync, then an atomic rename."""
from pathlib import Path
from typing import Optional, Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook

from mmdmgan.registry import HOOKS
from mmdmgan.utils import atomic_write_bytes

ATOMIC_BACKEND = 'atomic_local'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with atomic ``put`` / ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(str(filepath), obj)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write_bytes(str(filepath), obj, encoding)


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
