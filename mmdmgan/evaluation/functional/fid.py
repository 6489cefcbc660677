"""Fréchet distance between Gaussians fitted to Inception features (Heusel et al., 2017)."""
from typing import Tuple

import numpy as np


def feature_statistics(features: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance of a feature matrix.

    Args:
        features (np.ndarray): N×D features, one row per image (N >= 2).

    Returns:
        tuple[np.ndarray, np.ndarray]: mean (D,) and covariance D×D, both float64, with the
        ``N - 1`` normaliser that ``np.cov`` and the TTUR / pytorch-fid scripts use.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError('feature_statistics needs an N×D feature matrix with N >= 2, got shape '
                         f'{features.shape}')
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _symmetric_square_root(matrix: np.ndarray) -> np.ndarray:
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    # Covariances are PSD; eigh returns tiny negative values for rank-deficient ones.
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))) @ eigenvectors.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    ``d² = ||mu1 - mu2||² + Tr(sigma1) + Tr(sigma2) - 2 Tr((sigma1 sigma2)^½)``.

    ``Tr((sigma1 sigma2)^½)`` is computed without a general matrix square root: with
    ``S = sigma1^½`` (symmetric, from an eigendecomposition), ``sigma1 sigma2`` is similar to the
    symmetric PSD matrix ``S sigma2 S``, so the trace is the sum of the square roots of that
    matrix's eigenvalues. This equals the ``scipy.linalg.sqrtm`` formula of the TTUR /
    pytorch-fid scripts, needs no ``eps`` regularisation for singular covariances (e.g. fewer
    images than feature dimensions) and never produces an imaginary part.

    Args:
        mu1 (np.ndarray): mean (D,) of the first Gaussian.
        sigma1 (np.ndarray): covariance D×D of the first Gaussian.
        mu2 (np.ndarray): mean (D,) of the second Gaussian.
        sigma2 (np.ndarray): covariance D×D of the second Gaussian.

    Returns:
        float: the squared Fréchet distance (what papers report as FID).
    """
    mu1 = np.atleast_1d(np.asarray(mu1, np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(f'frechet_distance: shapes do not match: mu1 {mu1.shape}, sigma1 '
                         f'{sigma1.shape}, mu2 {mu2.shape}, sigma2 {sigma2.shape}')
    root1 = _symmetric_square_root(sigma1)
    middle = root1 @ sigma2 @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_covariance_mean = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    difference = mu1 - mu2
    return float(difference @ difference + np.trace(sigma1) + np.trace(sigma2)
                 - 2 * trace_covariance_mean)
