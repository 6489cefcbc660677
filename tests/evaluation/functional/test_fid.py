import numpy as np
import pytest
from scipy import linalg

from mmdmgan.evaluation.functional import feature_statistics, frechet_distance


def scipy_frechet_distance(mu1, sigma1, mu2, sigma2):
    """The TTUR / pytorch-fid formula with scipy's general matrix square root."""
    covariance_mean = linalg.sqrtm(sigma1 @ sigma2).real
    difference = mu1 - mu2
    return difference @ difference + np.trace(sigma1 + sigma2 - 2 * covariance_mean)


def test_known_diagonal_gaussians_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    variances1, variances2 = rng.uniform(0.1, 3, 5), rng.uniform(0.1, 3, 5)
    expected = (np.sum((mu1 - mu2) ** 2)
                + np.sum((np.sqrt(variances1) - np.sqrt(variances2)) ** 2))
    assert frechet_distance(mu1, np.diag(variances1), mu2, np.diag(variances2)) == \
        pytest.approx(expected, rel=1e-10)


def test_commuting_rotated_gaussians_closed_form():
    # Same eigenvectors: the distance is ||mu1 - mu2||² + sum (sqrt(l1) - sqrt(l2))².
    rng = np.random.default_rng(1)
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    eigenvalues1, eigenvalues2 = rng.uniform(0.1, 2, 6), rng.uniform(0.1, 2, 6)
    sigma1 = rotation @ np.diag(eigenvalues1) @ rotation.T
    sigma2 = rotation @ np.diag(eigenvalues2) @ rotation.T
    mu1, mu2 = np.zeros(6), np.full(6, 0.5)
    expected = 6 * 0.25 + np.sum((np.sqrt(eigenvalues1) - np.sqrt(eigenvalues2)) ** 2)
    assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(expected, rel=1e-10)


def test_one_dimensional():
    assert frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]),
                            np.array([[9.0]])) == pytest.approx(4 + 1)


def test_agrees_with_scipy_sqrtm_on_random_features():
    rng = np.random.default_rng(2)
    features1 = rng.normal(size=(300, 32)) @ rng.normal(size=(32, 32))
    features2 = rng.normal(size=(250, 32)) @ rng.normal(size=(32, 32)) + 0.3
    statistics1, statistics2 = feature_statistics(features1), feature_statistics(features2)
    assert frechet_distance(*statistics1, *statistics2) == pytest.approx(
        scipy_frechet_distance(*statistics1, *statistics2), rel=1e-8)


def test_singular_covariance_fewer_samples_than_dimensions():
    rng = np.random.default_rng(3)
    mu, sigma = feature_statistics(rng.normal(size=(10, 64)))
    assert np.linalg.matrix_rank(sigma) < 64
    # Square roots of ~1e-15 eigenvalue noise limit the precision to ~1e-7 of the trace.
    assert abs(frechet_distance(mu, sigma, mu, sigma)) < 1e-6 * np.trace(sigma)
    other_mu, other_sigma = feature_statistics(rng.normal(size=(12, 64)))
    distance = frechet_distance(mu, sigma, other_mu, other_sigma)
    assert np.isfinite(distance) and distance > 0


def test_feature_statistics_matches_numpy():
    features = np.random.default_rng(4).normal(size=(20, 3))
    mu, sigma = feature_statistics(features)
    np.testing.assert_allclose(mu, features.mean(0))
    np.testing.assert_allclose(sigma, np.cov(features.T))


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match='shapes do not match'):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match='N >= 2'):
        feature_statistics(np.zeros((1, 3)))
