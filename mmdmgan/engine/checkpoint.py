"""Let ``torch.load(weights_only=True)`` read MMEngine training checkpoints.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, and MMEngine 0.10.7 cannot
resume from its own checkpoints: their ``message_hub`` holds ``HistoryBuffer`` objects (numpy
arrays, and bound statistic methods pickled through ``getattr``).

Our trust decision: rather than loading training checkpoints with ``weights_only=False``
(arbitrary code execution from a tampered file), we keep the safe loader and allowlist only
the few types an MMEngine checkpoint contains. A checkpoint holding anything else still
fails loudly. Weights we ship or convert contain plain tensors and load without this list.
"""
import builtins
import importlib

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _numpy_reconstruct_globals() -> list:
    """numpy's array/scalar rebuild functions under both their 1.x and 2.x module names."""
    entries = [np.ndarray, np.dtype]
    for module_name in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        try:
            with np.testing.suppress_warnings() as sup:
                sup.filter(DeprecationWarning)
                module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in ('_reconstruct', 'scalar'):
            entries.append((getattr(module, name), f'{module_name}.{name}'))
    dtypes = getattr(np, 'dtypes', None)  # numpy>=1.25 pickles dtypes as numpy.dtypes.*DType
    if dtypes is not None:
        entries += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return entries


def allow_mmengine_checkpoint_globals() -> None:
    """Add MMEngine's training-state types to torch's ``weights_only`` allowlist.

    Idempotent; called when :mod:`mmdmgan` is imported, so ``--resume`` and ``load_from``
    work on torch>=2.6 without turning the safe loader off.
    """
    torch.serialization.add_safe_globals(
        [HistoryBuffer, builtins.getattr] + _numpy_reconstruct_globals())
