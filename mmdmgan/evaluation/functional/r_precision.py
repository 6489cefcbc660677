"""R-precision of text-to-image models (Xu et al., AttnGAN, 2018), as used by DM-GAN."""
from typing import Hashable, Sequence, Tuple

import numpy as np


def r_precision_hits(image_features: np.ndarray, candidate_text_features: np.ndarray) -> np.ndarray:
    """Whether each image ranks its own caption first among its candidates (R = 1).

    Args:
        image_features (np.ndarray): N×D global image features.
        candidate_text_features (np.ndarray): N×K×D sentence features; column 0 is the image's
            own caption, columns 1..K-1 the mismatched ones.

    Returns:
        np.ndarray: N booleans, ``True`` where the cosine similarity of the own caption is the
        largest. A tie with a mismatched caption counts as a hit, as ``argmax`` does in the
        reference.
    """
    image_features = np.asarray(image_features, dtype=np.float64)
    candidate_text_features = np.asarray(candidate_text_features, dtype=np.float64)
    if (image_features.ndim != 2 or candidate_text_features.ndim != 3
            or candidate_text_features.shape[0] != image_features.shape[0]
            or candidate_text_features.shape[2] != image_features.shape[1]):
        raise ValueError('r_precision_hits expects image features N×D and text features N×K×D, '
                         f'got {image_features.shape} and {candidate_text_features.shape}')
    image_norm = np.linalg.norm(image_features, axis=1, keepdims=True)
    text_norm = np.linalg.norm(candidate_text_features, axis=2)
    dot = np.einsum('nd,nkd->nk', image_features, candidate_text_features)
    cosine = dot / np.maximum(image_norm * text_norm, 1e-8)
    return cosine[:, 0] >= cosine[:, 1:].max(axis=1)


def fold_mean_std(values: np.ndarray, num_folds: int = 10, seed: int = 0) -> Tuple[float, float]:
    """Mean and std of the fold means after a seeded shuffle into ``num_folds`` folds.

    Every value lands in exactly one fold (fold sizes differ by at most one), unlike the
    reference, whose ``R[i * 3000:(i + 1) * 3000 - 1]`` drops the last item of each fold.

    Args:
        values (np.ndarray): N per-sample values (N >= ``num_folds``).
        num_folds (int): number of folds. Defaults to 10.
        seed (int): seed of the shuffle. Defaults to 0.

    Returns:
        tuple[float, float]: mean and (population) std of the fold means.
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if num_folds < 1 or values.size < num_folds:
        raise ValueError(f'fold_mean_std needs at least num_folds={num_folds} values, '
                         f'got {values.size}')
    shuffled = values[np.random.default_rng(seed).permutation(values.size)]
    fold_means = [fold.mean() for fold in np.array_split(shuffled, num_folds)]
    return float(np.mean(fold_means)), float(np.std(fold_means))


def draw_mismatched_indices(groups: Sequence[Hashable], num_mismatched: int = 99,
                            seed: int = 0) -> np.ndarray:
    """For every sample, ``num_mismatched`` distinct other samples of a different group.

    A group is a class for CUB (mismatched captions come from other bird species) and an
    image id for COCO (captions of other images). The draw depends only on ``groups``,
    ``num_mismatched`` and ``seed``, so it is the same on any number of ranks.

    Args:
        groups (Sequence[Hashable]): the group of each of the N samples.
        num_mismatched (int): candidates per sample. Defaults to 99 (the paper's setting).
        seed (int): seed of the draw. Defaults to 0.

    Returns:
        np.ndarray: N×num_mismatched int64 indices into the samples.
    """
    _, group_ids = np.unique(np.asarray([str(group) for group in groups]), return_inverse=True)
    group_ids = group_ids.reshape(-1)
    num_samples = group_ids.size
    group_sizes = np.bincount(group_ids)
    if num_samples - group_sizes.max() < num_mismatched:
        raise ValueError(f'R-precision needs {num_mismatched} captions of other groups for every '
                         f'sample, but the largest group has {group_sizes.max()} of '
                         f'{num_samples} samples; evaluate more samples or lower num_mismatched')
    rng = np.random.default_rng(seed)
    indices = np.empty((num_samples, num_mismatched), dtype=np.int64)
    for sample in range(num_samples):
        eligible_fraction = 1 - group_sizes[group_ids[sample]] / num_samples
        chosen = np.empty(0, dtype=np.int64)
        while chosen.size < num_mismatched:
            # Oversample so that one round is almost always enough, then keep the first
            # distinct eligible draws in order (order matters for determinism only).
            draw = rng.integers(0, num_samples, int(2 * num_mismatched / eligible_fraction) + 8)
            draw = draw[group_ids[draw] != group_ids[sample]]
            merged = np.concatenate([chosen, draw])
            _, first = np.unique(merged, return_index=True)
            chosen = merged[np.sort(first)]
        indices[sample] = chosen[:num_mismatched]
    return indices


def r_precision(image_features: np.ndarray, candidate_text_features: np.ndarray,
                num_folds: int = 10, seed: int = 0) -> Tuple[float, float]:
    """R-precision (R = 1): top-1 retrieval rate of the own caption, mean ± std over folds.

    Args:
        image_features (np.ndarray): N×D global (DAMSM) image features of generated images.
        candidate_text_features (np.ndarray): N×K×D sentence features, column 0 the own
            caption, the others mismatched captions (K = 100 in the paper).
        num_folds (int): folds for the std. Defaults to 10.
        seed (int): seed of the fold shuffle. Defaults to 0.

    Returns:
        tuple[float, float]: mean and std of the fold hit rates, fractions in [0, 1].
    """
    hits = r_precision_hits(image_features, candidate_text_features)
    return fold_mean_std(hits, num_folds=num_folds, seed=seed)
