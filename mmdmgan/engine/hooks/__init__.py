from .checkpoint_hook import AtomicCheckpointHook, AtomicLocalBackend, atomic_write
from .rng_state_hook import RNGStateHook

__all__ = ['AtomicCheckpointHook', 'AtomicLocalBackend', 'RNGStateHook', 'atomic_write']
