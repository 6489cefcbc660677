from .checkpoint_hook import AtomicCheckpointHook, AtomicLocalBackend
from .rng_state_hook import RNGStateHook
from .visualization_hook import DMGANVisualizationHook, build_grid

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'DMGANVisualizationHook', 'RNGStateHook',
    'build_grid'
]
