import math

import numpy as np
import pytest

from mmdmgan.evaluation.functional import inception_score


def test_hand_computed_two_splits():
    probs = np.array([[0.9, 0.1], [0.2, 0.8],     # split 1
                      [0.5, 0.5], [0.5, 0.5]])    # split 2: all equal -> IS 1
    marginal = [0.55, 0.45]
    kl = [0.9 * math.log(0.9 / marginal[0]) + 0.1 * math.log(0.1 / marginal[1]),
          0.2 * math.log(0.2 / marginal[0]) + 0.8 * math.log(0.8 / marginal[1])]
    first = math.exp(sum(kl) / 2)
    mean, std = inception_score(probs, splits=2)
    assert mean == pytest.approx((first + 1) / 2, rel=1e-12)
    assert std == pytest.approx(abs(first - 1) / 2, rel=1e-12)


def test_confident_and_diverse_predictions_score_number_of_classes():
    num_classes, splits = 7, 3
    probs = np.tile(np.eye(num_classes), (splits, 1))  # one-hot: 0·log 0 must count as 0
    mean, std = inception_score(probs, splits=splits)
    assert mean == pytest.approx(num_classes) and std == pytest.approx(0)


def test_identical_predictions_score_one():
    probs = np.full((20, 5), 0.2)
    assert inception_score(probs, splits=10) == pytest.approx((1.0, 0.0))


def test_uneven_split_points_follow_improved_gan():
    # 5 samples, 2 splits: parts [0:2] and [2:5].
    probs = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [0, 1]], dtype=float)
    first = 2.0  # two distinct one-hot predictions
    third = 1 / 3
    second = math.exp(-(2 / 3) * math.log(2 / 3) - third * math.log(third))
    assert inception_score(probs, splits=2)[0] == pytest.approx((first + second) / 2)


def test_rejects_logits_and_too_few_samples():
    with pytest.raises(ValueError, match='probability vectors'):
        inception_score(np.array([[2.0, -1.0]] * 10), splits=10)
    with pytest.raises(ValueError, match='N >= splits'):
        inception_score(np.full((3, 2), 0.5), splits=10)
