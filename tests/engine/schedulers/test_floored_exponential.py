import pytest
import torch

from mmdmgan.registry import PARAM_SCHEDULERS


def learning_rates(steps, **kwargs):
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=2e-3)
    scheduler = PARAM_SCHEDULERS.build(dict(type='FlooredExponentialLR', optimizer=optimizer,
                                            **kwargs))
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    return rates


def test_decays_until_the_floor_like_the_reference():
    rates = learning_rates(200, gamma=0.98, floor=2e-4)
    # Reference: `if lr > ENCODER_LR / 10: lr *= 0.98` after every epoch.
    expected, lr = [], 2e-3
    for _ in range(200):
        expected.append(lr)
        if lr > 2e-4:
            lr *= 0.98
    assert rates == pytest.approx(expected, rel=1e-9)
    assert rates[1] == pytest.approx(2e-3 * 0.98)
    assert 1.99e-4 < rates[-1] <= 2e-4 and rates[-1] == rates[150]


def test_negative_floor_is_rejected():
    with pytest.raises(ValueError, match='floor'):
        learning_rates(1, gamma=0.98, floor=-1.0)
