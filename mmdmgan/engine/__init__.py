from .checkpoint import allow_mmengine_checkpoint_globals
from .distributed import init_distributed_if_needed
from .hooks import AtomicCheckpointHook, RNGStateHook
from .model_wrappers import (
                             DeviceAgnosticDistributedDataParallel,
                             DeviceAgnosticSeparateDistributedDataParallel,
)
from .optimizers import DMGANMultiOptimWrapperConstructor
from .schedulers import FlooredExponentialLR, FlooredExponentialParamScheduler

allow_mmengine_checkpoint_globals()

__all__ = [
    'AtomicCheckpointHook', 'RNGStateHook', 'allow_mmengine_checkpoint_globals',
    'DeviceAgnosticDistributedDataParallel', 'DeviceAgnosticSeparateDistributedDataParallel',
    'FlooredExponentialLR', 'FlooredExponentialParamScheduler', 'DMGANMultiOptimWrapperConstructor',
    'init_distributed_if_needed'
]
