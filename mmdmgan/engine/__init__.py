from .checkpoint import load_checkpoint_file, register_safe_checkpoint_loader
from .distributed import init_distributed_if_needed
from .hooks import AtomicCheckpointHook, RNGStateHook
from .model_wrappers import (
                             DeviceAgnosticDistributedDataParallel,
                             DeviceAgnosticSeparateDistributedDataParallel,
)
from .optimizers import DMGANMultiOptimWrapperConstructor
from .schedulers import FlooredExponentialLR, FlooredExponentialParamScheduler

register_safe_checkpoint_loader()

__all__ = [
    'AtomicCheckpointHook', 'RNGStateHook', 'load_checkpoint_file',
    'register_safe_checkpoint_loader',
    'DeviceAgnosticDistributedDataParallel', 'DeviceAgnosticSeparateDistributedDataParallel',
    'FlooredExponentialLR', 'FlooredExponentialParamScheduler', 'DMGANMultiOptimWrapperConstructor',
    'init_distributed_if_needed'
]
