from .checkpoint import allow_mmengine_checkpoint_globals
from .distributed import init_distributed_if_needed
from .hooks import AtomicCheckpointHook, RNGStateHook
from .model_wrappers import (
                             DeviceAgnosticDistributedDataParallel,
                             DeviceAgnosticSeparateDistributedDataParallel,
)
from .optimizers import MultiOptimWrapperConstructor

allow_mmengine_checkpoint_globals()

__all__ = [
    'AtomicCheckpointHook', 'RNGStateHook', 'allow_mmengine_checkpoint_globals',
    'DeviceAgnosticDistributedDataParallel',
    'DeviceAgnosticSeparateDistributedDataParallel', 'MultiOptimWrapperConstructor',
    'init_distributed_if_needed'
]
