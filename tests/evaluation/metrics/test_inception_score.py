import numpy as np
import pytest
import torch

from mmdmgan.evaluation.functional import inception_score
from mmdmgan.evaluation.metrics import DMGANInceptionScore


def test_metric_equals_formula_on_extractor_outputs(random_inception):
    torch.manual_seed(0)
    fakes = torch.rand(6, 3, 32, 32) * 2 - 1
    metric = DMGANInceptionScore(inception=random_inception, splits=2)
    for batch in (fakes[:4], fakes[4:]):
        metric.process({}, [{'fake_img': image} for image in batch])
    results = metric.evaluate(size=6)
    probs = torch.softmax(random_inception(fakes)[1].double(), dim=1).numpy()
    mean, std = inception_score(probs, splits=2)
    assert set(results) == {'IS/is_RANDOM_INCEPTION', 'IS/is_std_RANDOM_INCEPTION'}
    assert results['IS/is_RANDOM_INCEPTION'] == pytest.approx(mean, rel=1e-5)
    assert results['IS/is_std_RANDOM_INCEPTION'] == pytest.approx(std, rel=1e-3, abs=1e-6)
    assert np.isfinite(mean) and mean >= 1


def test_missing_field_is_named(random_inception):
    metric = DMGANInceptionScore(inception=random_inception)
    with pytest.raises(KeyError, match="'fake_img'"):
        metric.process({}, [{'gt_img': torch.zeros(3, 8, 8, dtype=torch.uint8)}])
