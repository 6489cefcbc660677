import numpy as np
import pytest

from mmdmgan.evaluation.functional import (
    draw_mismatched_indices,
    fold_mean_std,
    r_precision,
    r_precision_hits,
)


def candidates_with_own_first(own, mismatched):
    return np.concatenate([own[:, None], mismatched], axis=1)


def test_perfect_alignment_scores_one():
    rng = np.random.default_rng(0)
    own = rng.normal(size=(50, 8))
    candidates = candidates_with_own_first(own, rng.normal(size=(50, 99, 8)))
    assert r_precision(own * 3.0, candidates) == pytest.approx((1.0, 0.0))  # scale-free


def test_adversarial_alignment_scores_zero():
    rng = np.random.default_rng(1)
    own = rng.normal(size=(50, 8))
    candidates = candidates_with_own_first(own, rng.normal(size=(50, 99, 8)))
    assert r_precision(-own, candidates) == pytest.approx((0.0, 0.0))


def test_known_fraction():
    rng = np.random.default_rng(2)
    own = rng.normal(size=(100, 8))
    images = np.where(np.arange(100)[:, None] < 37, own, -own)
    candidates = candidates_with_own_first(own, rng.normal(size=(100, 99, 8)))
    mean, _ = r_precision(images, candidates)
    assert mean == pytest.approx(0.37)


def test_tie_counts_as_hit_like_argmax():
    image = np.array([[1.0, 0.0]])
    candidates = np.array([[[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]]])
    assert r_precision_hits(image, candidates).tolist() == [True]


def test_folds_use_every_item():
    # One item per fold: the reference's slice [i*s:(i+1)*s - 1] would average empty folds.
    values = np.array([1.0] * 9 + [0.0])
    mean, std = fold_mean_std(values, num_folds=10)
    assert mean == pytest.approx(0.9) and std == pytest.approx(0.3)
    mean, _ = fold_mean_std(np.arange(23) % 2, num_folds=10, seed=5)
    assert np.isfinite(mean)
    with pytest.raises(ValueError, match='num_folds'):
        fold_mean_std(np.ones(5), num_folds=10)


def test_mismatched_draw_other_groups_distinct_and_seeded():
    groups = [index // 10 for index in range(300)]  # 30 classes of 10 samples
    indices = draw_mismatched_indices(groups, num_mismatched=99, seed=7)
    group_array = np.asarray(groups)
    assert indices.shape == (300, 99)
    assert (group_array[indices] != group_array[:, None]).all()
    assert all(len(set(row)) == 99 for row in indices.tolist())
    np.testing.assert_array_equal(indices, draw_mismatched_indices(groups, 99, seed=7))
    assert not np.array_equal(indices, draw_mismatched_indices(groups, 99, seed=8))


def test_mismatched_draw_needs_enough_other_samples():
    with pytest.raises(ValueError, match='largest group'):
        draw_mismatched_indices([0] * 60 + [1] * 60, num_mismatched=99)
