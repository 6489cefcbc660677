"""Sampling noise that depends on a sample's index, not on batches, processes or order.

The one noise rule of every sampling entry point: image ``i`` of a call with seed ``s`` is
drawn from ``(s, i)`` alone (``DMGAN.noise_for_indices``)."""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor


def indexed_noise(indices: Sequence[int], seed: int, noise_dim: int,
                  condition_dim: int) -> Tuple[Tensor, Tensor]:
    """z and the conditioning-augmentation ε of each sample, drawn from ``(seed, index)`` alone.

    Sample ``i`` gets the same noise however the samples are split into batches or across
    processes, so generated sets and their metrics do not depend on the batch size, the number
    of GPUs or an interruption.

    Args:
        indices (Sequence[int]): Sample indices (non-negative).
        seed (int): Seed shared by all samples (non-negative).
        noise_dim (int): Length of z.
        condition_dim (int): Length of ε.

    Returns:
        tuple[Tensor, Tensor]: z B×noise_dim and ε B×condition_dim (float32, CPU).
    """
    noise, epsilon = [], []
    for index in indices:
        state = np.random.SeedSequence([seed, int(index)]).generate_state(2)
        rng = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
        noise.append(torch.randn(noise_dim, generator=rng))
        epsilon.append(torch.randn(condition_dim, generator=rng))
    return torch.stack(noise), torch.stack(epsilon)


def check_seed(seed: Optional[int]) -> None:
    """Raise unless ``seed`` is a non-negative int or None (what :func:`indexed_noise` takes).

    Raises:
        TypeError: Not an int (a bool, a string such as ``'5'``, a float).
        ValueError: A negative int.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        text = repr(seed) if len(repr(seed)) <= 40 else repr(seed)[:37] + '...'
        raise TypeError(f'seed must be an int or None, got {type(seed).__name__} {text}')
    if seed is not None and seed < 0:
        raise ValueError(f'seed must be non-negative, got {seed}')


def draw_seed() -> int:
    """A seed for :func:`indexed_noise` from the global torch RNG, for calls without a seed
    (``torch.manual_seed`` still makes them repeat)."""
    return int(torch.randint(0, 2**31, ()).item())
