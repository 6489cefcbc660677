from .checkpoint_hook import AtomicCheckpointHook, AtomicLocalBackend
from .checkpoint_loading_hook import CheckpointLoadingHook
from .rng_state_hook import RNGStateHook
from .runtime_info_hook import BatchedRuntimeInfoHook
from .visualization_hook import DMGANVisualizationHook

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'BatchedRuntimeInfoHook', 'CheckpointLoadingHook',
    'DMGANVisualizationHook', 'RNGStateHook'
]
