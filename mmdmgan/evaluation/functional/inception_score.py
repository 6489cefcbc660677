"""Inception Score (Salimans et al., 2016)."""
from typing import Tuple

import numpy as np


def inception_score(probs: np.ndarray, splits: int = 10) -> Tuple[float, float]:
    """Inception Score of class probabilities, mean and std over ``splits`` parts.

    For each part ``P`` of the images (contiguous, in the given order, with the split points
    ``i * N // splits`` of the improved-GAN script), ``IS(P) = exp(mean_{x in P} KL(p(y|x) ||
    p(y)))`` where ``p(y)`` is the mean of ``p(y|x)`` over ``P``. ``0 · log 0`` counts as 0.

    Args:
        probs (np.ndarray): N×C class probabilities (rows sum to 1), N >= ``splits``.
        splits (int): number of parts. Defaults to 10 (as in the paper's scripts).

    Returns:
        tuple[float, float]: mean and (population) standard deviation of the per-part scores.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] < splits or splits < 1:
        raise ValueError(f'inception_score needs N×C probabilities with N >= splits ({splits}), '
                         f'got shape {probs.shape}')
    if probs.min() < 0 or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):
        raise ValueError('inception_score: rows of probs must be probability vectors '
                         '(non-negative, summing to 1); pass softmax outputs, not logits')
    num_images = probs.shape[0]
    scores = []
    for index in range(splits):
        part = probs[index * num_images // splits:(index + 1) * num_images // splits]
        marginal = part.mean(axis=0, keepdims=True)
        log_ratio = np.log(np.where(part > 0, part, 1)) - np.log(np.where(part > 0, marginal, 1))
        scores.append(np.exp((part * log_ratio).sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))
