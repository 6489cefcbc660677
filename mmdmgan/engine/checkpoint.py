"""Checkpoint files that hold plain data only, and the one loader that reads them.

Trust decision: loading a checkpoint never runs code from the file. Every checkpoint is
read with ``torch.load(weights_only=True)`` and torch's own allowlist (tensors, dtypes,
devices, containers, numbers, strings); nothing is added to it. In particular not
``builtins.getattr`` (with it a 219-byte pickle reaches ``builtins.__dict__`` and runs
anything), no numpy type (array/dtype reconstruction and ``numpy.testing`` helpers that
``exec`` strings) and no MMEngine type (``HistoryBuffer.__setstate__`` writes a class-level
method table; ``Config.fromstring`` executes Python).

MMEngine pickles its message hub as ``HistoryBuffer`` objects (numpy arrays and bound
methods reached through ``getattr``), and runtime values as numpy scalars. So training
checkpoints store them as plain data instead (:func:`to_plain_checkpoint`, called by
:class:`~mmdmgan.engine.hooks.AtomicCheckpointHook` before each save) and the hook
rebuilds the buffers on load (:func:`restore_message_hub`), which makes ``--resume``
restore the message hub exactly.

Checkpoints written before this format (with ``getattr`` inside) are refused with a
message naming the file and ``tools/convert_legacy_checkpoint.py``, which reads them with a
restricted unpickler and rewrites them in the plain format.
"""
import os
import os.path as osp
import pickle
import zipfile
from collections import OrderedDict
from typing import Any, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

#: Marks a message-hub log scalar stored as plain data (``log_history``, ``count_history``,
#: ``max_length``) in place of an MMEngine ``HistoryBuffer``.
PLAIN_HISTORY_BUFFER = 'mmdmgan.HistoryBuffer'
LEGACY_CONVERTER = 'tools/convert_legacy_checkpoint.py'
_REFUSAL_MARKS = ('Unsupported global', 'is blocked', 'unrecognized function', 'Can only')
# Exact types: a subclass (an IntEnum, a str subclass) would be pickled by its class name.
_PLAIN_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_PLAIN_TORCH = (torch.Tensor, torch.dtype, torch.device, torch.Size)


class CheckpointError(ValueError):
    """A checkpoint file cannot be used; the message names the file and what to do."""


class UnsafeCheckpointError(CheckpointError):
    """A complete file that holds objects other than plain data (tampered, or older format)."""


class IncompleteCheckpointError(CheckpointError):
    """A file that is not a whole checkpoint (truncated by a kill, or corrupt)."""


def load_checkpoint_file(path: Union[str, os.PathLike], map_location: Any = 'cpu') -> Any:
    """Read a checkpoint file with ``torch.load(weights_only=True)`` and torch's allowlist.

    The loader behind :func:`~mmdmgan.apis.init_model`, the tools, and MMEngine's
    ``load_from`` / ``resume`` (:func:`register_safe_checkpoint_loader`).

    Args:
        path (str | PathLike): Local file.
        map_location: As :func:`torch.load`.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        UnsafeCheckpointError: The file names a function or class outside the allowlist.
        IncompleteCheckpointError: The file is truncated or corrupt.
    """
    path = osp.expanduser(os.fspath(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} not found')
    try:
        # weights_only passed explicitly: TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD cannot turn it off.
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        reason = _weights_only_reason(str(error))
        if not any(mark in reason for mark in _REFUSAL_MARKS):
            raise IncompleteCheckpointError(
                f'{path} is not a complete checkpoint ({reason})') from error
        hint = ''
        if any(name in reason for name in ('getattr', 'HistoryBuffer', 'numpy')):
            hint = (f' If it is a training checkpoint written by an older mmdmgan or by '
                    f'plain MMEngine (message hub pickled through getattr), rewrite it once '
                    f'with: python {LEGACY_CONVERTER} {path} OUT.pth')
        raise UnsafeCheckpointError(
            f'{path} is refused: it holds objects that are not plain data, and loading them '
            f'could run code from the file ({reason}).{hint}') from error
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError, KeyError,
            IndexError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise IncompleteCheckpointError(
            f'{path} is not a complete checkpoint (truncated or corrupt: '
            f'{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ""}); '
            'use an earlier checkpoint') from error


def _weights_only_reason(message: str) -> str:
    """The unpickler's own line inside torch's long weights_only message (which also
    suggests ``weights_only=False``, advice this project does not give)."""
    for line in message.splitlines():
        for mark in _REFUSAL_MARKS + ('Unsupported operand', 'EOF', 'truncated'):
            if mark in line:
                return line.replace('WeightsUnpickler error: ', '').strip()
    return message.splitlines()[-1].strip() if message.strip() else 'unpickling failed'


def _mmengine_local_loader(filename: str, map_location: Any) -> Any:
    return load_checkpoint_file(filename, map_location=map_location)


def register_safe_checkpoint_loader() -> None:
    """Make MMEngine read local checkpoints (``load_from``, ``resume``, ``load_checkpoint``)
    through :func:`load_checkpoint_file`. Idempotent; called when :mod:`mmdmgan` is
    imported."""
    CheckpointLoader.register_scheme(prefixes='', loader=_mmengine_local_loader, force=True)


def _history_buffer_to_plain(buffer: HistoryBuffer) -> dict:
    log_history, count_history = buffer.data
    return dict(type=PLAIN_HISTORY_BUFFER, log_history=torch.from_numpy(np.array(log_history)),
                count_history=torch.from_numpy(np.array(count_history)),
                max_length=buffer.max_length)


def _to_plain(value: Any, where: str) -> Any:
    if isinstance(value, HistoryBuffer):
        return _history_buffer_to_plain(value)
    if isinstance(value, np.generic) and value.dtype.kind in 'biuf':
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in 'biuf':
        return torch.from_numpy(value.copy())
    if type(value) in _PLAIN_SCALARS or isinstance(value, _PLAIN_TORCH):
        return value
    if isinstance(value, dict):
        # Subclasses (ConfigDict, defaultdict...) would be pickled by their class name.
        converted = OrderedDict() if type(value) is OrderedDict else {}
        for key, item in value.items():
            converted[key] = _to_plain(item, f'{where}[{key!r}]')
        return converted
    if type(value) in (list, tuple, set):
        return type(value)(_to_plain(item, f'{where}[{index}]')
                           for index, item in enumerate(value))
    raise TypeError(
        f'{where} is a {type(value).__module__}.{type(value).__qualname__}, which a '
        'weights_only load refuses; checkpoints hold tensors, numbers, strings and '
        'containers of them only (store this value in one of those forms)')


def to_plain_checkpoint(checkpoint: dict) -> None:
    """Turn ``checkpoint`` (in place) into plain data that ``weights_only=True`` loads.

    ``HistoryBuffer`` objects become dicts marked :data:`PLAIN_HISTORY_BUFFER` with their
    two histories as tensors (same dtype, same bits), numpy numbers become Python numbers
    and numeric numpy arrays become tensors.

    Raises:
        TypeError: A value of another type, named by its place in the checkpoint.
    """
    for key in list(checkpoint):
        checkpoint[key] = _to_plain(checkpoint[key], f'checkpoint[{key!r}]')


def _is_plain_history_buffer(value: Any) -> bool:
    return isinstance(value, dict) and value.get('type') == PLAIN_HISTORY_BUFFER


def restore_message_hub(checkpoint: dict) -> None:
    """Rebuild (in place) the ``HistoryBuffer`` objects that :func:`to_plain_checkpoint`
    stored as plain data in ``checkpoint['message_hub']['log_scalars']``."""
    log_scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
    for key, value in log_scalars.items():
        if _is_plain_history_buffer(value):
            log_scalars[key] = HistoryBuffer(value['log_history'].numpy(),
                                             value['count_history'].numpy(),
                                             value['max_length'])
