"""Read training checkpoints of the older format without running code, and rewrite them.

MMEngine (and mmdmgan before checkpoints became plain data) pickles the message hub as
``HistoryBuffer`` objects whose method table is reached through ``builtins.getattr``, and
numpy arrays / scalars through numpy's own reconstruction functions. The safe loader refuses
those files (:mod:`mmdmgan.engine.checkpoint`). :func:`load_legacy_checkpoint` reads them
with an unpickler that resolves only:

- torch's tensor types and rebuild functions (what ``weights_only=True`` allows);
- numpy arrays, scalars and dtypes, into stand-ins parsed in Python (numeric types only,
  raw bytes through ``np.frombuffer``; numpy's own ``__setstate__`` never runs);
- ``HistoryBuffer``, into a stand-in that keeps its two histories and ``max_length``;
- ``getattr`` only as ``getattr(HistoryBuffer, '<method name>')``, answered with the name,
  never with a function.

Anything else is refused with :class:`~mmdmgan.engine.checkpoint.UnsafeCheckpointError`.
"""
import codecs
import os
import pickle
from typing import Any

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from torch._weights_only_unpickler import _get_allowed_globals

from mmdmgan.engine.checkpoint import UnsafeCheckpointError, to_plain_checkpoint
from mmdmgan.utils import atomic_write

_NUMERIC_KINDS = 'biufc'


class _LegacyDtype:
    """``numpy.dtype(spec, align, copy)`` + ``__setstate__``, kept as data."""

    def __init__(self, spec: Any, *args) -> None:
        self.spec, self.state = spec, None

    def __setstate__(self, state: tuple) -> None:
        self.state = state

    def to_numpy(self) -> np.dtype:
        endian = self.state[1] if self.state else '='
        structured = self.state is not None and any(part is not None
                                                    for part in self.state[2:5])
        if not isinstance(self.spec, str) or structured or endian not in '<>|=':
            raise UnsafeCheckpointError(f'numpy dtype {self.spec!r} is not a plain number type')
        dtype = np.dtype(self.spec).newbyteorder(endian if endian != '|' else '=')
        if dtype.kind not in _NUMERIC_KINDS:
            raise UnsafeCheckpointError(f'numpy dtype {self.spec!r} is not a plain number type')
        return dtype


class _LegacyArray:
    """``numpy.core.multiarray._reconstruct`` + ``ndarray.__setstate__``, kept as data."""

    def __init__(self, state: Any = None) -> None:
        self.state = state

    def __setstate__(self, state: tuple) -> None:
        self.state = state

    def to_numpy(self) -> np.ndarray:
        _, shape, dtype, is_fortran, raw = self.state
        if not isinstance(dtype, _LegacyDtype) or not isinstance(raw, bytes):
            raise UnsafeCheckpointError('a numpy array that is not raw numbers')
        array = np.frombuffer(raw, dtype=dtype.to_numpy())
        return array.reshape(tuple(shape), order='F' if is_fortran else 'C').copy()


class _LegacyHistoryBuffer:
    """An MMEngine ``HistoryBuffer`` as data: its ``__setstate__`` is never called."""

    def __setstate__(self, state: dict) -> None:
        self.state = state


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> _LegacyArray:
    if subtype is not np.ndarray:
        raise UnsafeCheckpointError(f'numpy array of type {subtype!r}')
    return _LegacyArray()


def _scalar(dtype: Any, raw: Any) -> Any:
    if not isinstance(dtype, _LegacyDtype) or not isinstance(raw, bytes):
        raise UnsafeCheckpointError('a numpy scalar that is not raw numbers')
    return np.frombuffer(raw, dtype=dtype.to_numpy())[0]


def _history_buffer_method(owner: Any, name: Any) -> str:
    if owner is not _LegacyHistoryBuffer or not str(name).isidentifier():
        raise UnsafeCheckpointError(f'getattr({owner!r}, {name!r}): only HistoryBuffer '
                                    'statistic methods are read from old checkpoints')
    return f'HistoryBuffer.{name}'


def _latin1_encode(text: str, encoding: str = 'latin1') -> bytes:
    if codecs.lookup(encoding).name != 'iso8859-1':
        raise UnsafeCheckpointError(f'bytes encoded as {encoding!r}')
    return codecs.encode(text, 'latin1')


_LEGACY_GLOBALS = {
    'builtins.getattr': _history_buffer_method,
    '_codecs.encode': _latin1_encode,
    'mmengine.logging.history_buffer.HistoryBuffer': _LegacyHistoryBuffer,
    'numpy.ndarray': np.ndarray,
    'numpy.dtype': _LegacyDtype,
}
for _module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
    _LEGACY_GLOBALS[f'{_module}._reconstruct'] = _reconstruct
    _LEGACY_GLOBALS[f'{_module}.scalar'] = _scalar


class LegacyCheckpointUnpickler(pickle.Unpickler):
    """Resolves torch's weights_only globals and the stand-ins above, nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if module == '__builtin__':
            module = 'builtins'
        full_name = f'{module}.{name}'
        if full_name in _LEGACY_GLOBALS:
            return _LEGACY_GLOBALS[full_name]
        if module == 'numpy.dtypes' and name.endswith('DType'):  # numpy>=2 dtype pickles
            return _LegacyDtype
        allowed = _get_allowed_globals()
        if full_name in allowed:
            return allowed[full_name]
        raise UnsafeCheckpointError(f'the file names {full_name}, which an old training '
                                    'checkpoint does not hold')


class _LegacyPickleModule:
    """The ``pickle_module`` torch.load uses: this module's unpickler for every pickle."""
    Unpickler = LegacyCheckpointUnpickler

    @staticmethod
    def load(file, **kwargs) -> Any:
        return LegacyCheckpointUnpickler(file, **kwargs).load()


def _to_real(value: Any) -> Any:
    if isinstance(value, _LegacyArray):
        return value.to_numpy()
    if isinstance(value, _LegacyHistoryBuffer):
        state = value.state
        return HistoryBuffer(_to_real(state['_log_history']), _to_real(state['_count_history']),
                             state['max_length'])
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _to_real(value[key])
        return value
    if isinstance(value, list):
        return [_to_real(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_to_real(item) for item in value)
    if isinstance(value, (_LegacyDtype, type)) or callable(value) and not isinstance(
            value, torch.Tensor):
        raise UnsafeCheckpointError(f'a {type(value).__name__} outside any array')
    return value


def load_legacy_checkpoint(path: str) -> dict:
    """Read an older-format training checkpoint as plain data (see the module docstring).

    Raises:
        UnsafeCheckpointError: The file names something an old checkpoint does not hold.
    """
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=False,
                                pickle_module=_LegacyPickleModule)
    except UnsafeCheckpointError as error:
        raise UnsafeCheckpointError(f'{path} is refused: {error}') from error
    if not isinstance(checkpoint, dict):
        raise UnsafeCheckpointError(f'{path} is not a training checkpoint (a dict)')
    checkpoint = _to_real(checkpoint)
    to_plain_checkpoint(checkpoint)
    return checkpoint


def convert_legacy_checkpoint(src: str, dst: str) -> None:
    """Rewrite ``src`` as a plain-data checkpoint at ``dst`` (may equal ``src``; atomic)."""
    checkpoint = load_legacy_checkpoint(src)
    atomic_write(os.fspath(dst), lambda tmp: torch.save(checkpoint, tmp))
