"""The DM-GAN loss modules and the deprecated flat loss weights."""
import copy
import sys
import warnings

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdmgan.models.damsm.losses import sentence_loss, words_loss
from mmdmgan.models.dmgan import (
    ConditioningKLLoss,
    DAMSMGeneratorLoss,
    DAMSMMismatchLoss,
    DMGANAdversarialLoss,
    ModeSeekingLoss,
)
from mmdmgan.registry import MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))
import tiny_modules  # noqa: E402,F401  (registers TinyImageEncoder)


def bce(logits, target):
    return F.binary_cross_entropy(torch.sigmoid(logits), torch.full_like(logits, target))


def test_adversarial_terms_and_weight():
    generator = torch.Generator().manual_seed(0)
    logits = {key: torch.randn(6, generator=generator) for key in ('uncond', 'cond')}
    logits['cond_wrong'] = torch.randn(3, generator=generator)
    loss, terms = DMGANAdversarialLoss(loss_weight=3.0).discriminator_loss(logits, 3)
    expected = ((bce(logits['uncond'][:3], 1) + bce(logits['cond'][:3], 1)) / 2
                + (bce(logits['uncond'][3:], 0) + bce(logits['cond'][3:], 0)
                   + bce(logits['cond_wrong'], 0)) / 3)
    torch.testing.assert_close(loss, expected)  # the weight is the generator's only
    assert set(terms) == {'real', 'cond_real', 'fake', 'cond_fake', 'cond_wrong'}
    torch.testing.assert_close(DMGANAdversarialLoss(loss_weight=3.0).generator_loss(logits),
                               3 * (bce(logits['uncond'], 1) + bce(logits['cond'], 1)))


def test_kl_and_damsm_weights():
    generator = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(2, 2, 4, generator=generator)
    kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
    torch.testing.assert_close(ConditioningKLLoss(loss_weight=2.0)(mu, logvar), 2 * kl)

    regions = torch.randn(3, 8, 4, 4, generator=generator)
    code, sentence, wrong = torch.randn(3, 3, 8, generator=generator)
    words = torch.randn(3, 8, 5, generator=generator)
    lengths = torch.tensor([5, 2, 4])
    losses = DAMSMGeneratorLoss(loss_weight=5.0, gamma1=2.0)(regions, code, words, sentence,
                                                             lengths)
    looped = words_loss(regions, words, lengths, None, 2.0, 5.0, 10.0)
    torch.testing.assert_close(losses['loss_damsm_words'], 5 * (looped[0] + looped[1]))
    torch.testing.assert_close(losses['loss_damsm_sentence'],
                               5 * sum(sentence_loss(code, sentence, None, 10.0)))
    expected = F.softplus(10 * (F.cosine_similarity(code, wrong) -
                                F.cosine_similarity(code, sentence))).mean()
    torch.testing.assert_close(DAMSMMismatchLoss(loss_weight=2.0)(code, sentence, wrong),
                               2 * expected)


def test_mode_seeking_term_is_the_inverse_distance_ratio():
    images = torch.rand(2, 3, 8, 8)
    noise, other_noise = torch.zeros(2, 4), torch.full((2, 4), 2.0)
    loss = ModeSeekingLoss(loss_weight=2.0)(images, images + 0.5, noise, other_noise)
    torch.testing.assert_close(loss, torch.tensor(2.0 / (0.5 / 2.0 + 1e-5)))
    # Samples further apart for the same noise distance cost less; equal ones cost λ/ε.
    assert ModeSeekingLoss()(images, images + 1.0, noise, other_noise) < loss / 2
    assert ModeSeekingLoss()(images, images, noise, other_noise).item() == pytest.approx(1e5)
    with pytest.raises(ValueError, match='num_pairs must be >= 1, got 0'):
        ModeSeekingLoss(num_pairs=0)


@pytest.fixture(scope='module')
def tiny_model_cfg():
    init_default_scope('mmdmgan')
    model = copy.deepcopy(Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py')).model)
    model.pop('damsm_loss')
    return model


def test_flat_weights_are_deprecated_and_map_to_the_modules(tiny_model_cfg):
    with pytest.warns(DeprecationWarning, match='lambda_damsm, gamma1'):
        model = MODELS.build(dict(tiny_model_cfg, lambda_damsm=50.0, gamma1=2.0))
    assert isinstance(model.damsm_loss, DAMSMGeneratorLoss) and model.damsm_mismatch_loss is None
    assert (model.damsm_loss.loss_weight, model.damsm_loss.gamma1,
            model.damsm_loss.gamma3) == (50.0, 2.0, 10.0)
    # Any flat argument brings the former defaults back: DAMSM on with λ = 5.
    with pytest.warns(DeprecationWarning):
        model = MODELS.build(dict(tiny_model_cfg, lambda_damsm_mismatch=2.0))
    assert model.damsm_loss.loss_weight == 5.0 and model.damsm_mismatch_loss.loss_weight == 2.0
    with pytest.warns(DeprecationWarning):
        model = MODELS.build(dict(tiny_model_cfg, lambda_damsm=0, image_encoder=None))
    assert model.damsm_loss is None
    with pytest.raises(ValueError, match='not both'), warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        MODELS.build(dict(tiny_model_cfg, lambda_damsm=5.0,
                          damsm_loss=dict(type='DAMSMGeneratorLoss')))
    with pytest.raises(ValueError, match='must be >= 0'), warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        MODELS.build(dict(tiny_model_cfg, lambda_damsm_mismatch=-1.0))


def test_defaults_are_the_paper_terms_without_damsm(tiny_model_cfg):
    with warnings.catch_warnings():
        warnings.simplefilter('error', DeprecationWarning)
        model = MODELS.build(dict(tiny_model_cfg))
    assert isinstance(model.adversarial_loss, DMGANAdversarialLoss)
    assert isinstance(model.kl_loss, ConditioningKLLoss)
    assert model.damsm_loss is None and model.damsm_mismatch_loss is None
    assert model.mode_seeking_loss is None
    assert not any(key.endswith('_loss') or '_loss.' in key for key in model.state_dict())
