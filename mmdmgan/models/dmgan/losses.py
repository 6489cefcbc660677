"""The loss terms of the DM-GAN / AttnGAN generator and discriminators, as config-built modules.

Each module carries its weight (``loss_weight``, as MMagic's loss modules do), so a config
sets λ and the smoothing factors; :class:`~mmdmgan.models.dmgan.DMGAN` only calls them.
Everything is computed in fp32, also under autocast.
"""
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmdmgan.models.damsm.losses import (
    DAMSMLoss,
    mismatch_sentence_loss,
    sentence_loss,
    words_loss,
)
from mmdmgan.registry import MODELS


def bce_logits(logits: Tensor, target: float) -> Tensor:
    """Mean BCE-with-logits against a constant label, in fp32 (AMP-safe)."""
    logits = logits.float()
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def kl_loss(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) || N(0, I)) of the conditioning augmentation, averaged over all entries."""
    mu, logvar = mu.float(), logvar.float()
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())


@MODELS.register_module()
class DMGANAdversarialLoss(BaseModule):
    """Unconditional + sentence-conditional BCE adversarial losses (DM-GAN Sec. 3.3;
    AttnGAN Sec. 3.2).

    Per stage k, with raw logits of D_k:

    - generator: L_G_k = BCE(D_k(x̂), 1) + BCE(D_k(x̂, s), 1), times ``loss_weight``;
    - discriminator: L_D_k = ½(BCE(D_k(x), 1) + BCE(D_k(x, s), 1))
      + ⅓(BCE(D_k(x̂), 0) + BCE(D_k(x̂, s), 0) + BCE(D_k(x, s_wrong), 0)) (the reference's
      weighting; ``loss_weight`` applies to the generator only, as in MMagic's ``GANLoss``).

    Args:
        loss_weight (float): Factor on the generator's adversarial term. Defaults to 1.
        init_cfg (dict, optional): MMEngine initialisation config (no parameters here).
    """

    def __init__(self, loss_weight: float = 1.0,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_weight = loss_weight

    def generator_loss(self, logits: Dict[str, Tensor]) -> Tensor:
        """L_G_k from one stage's logits of generated images: ``uncond`` B and ``cond`` B."""
        return self.loss_weight * (bce_logits(logits['uncond'], 1.0)
                                   + bce_logits(logits['cond'], 1.0))

    def discriminator_loss(self, logits: Dict[str, Tensor],
                           batch_size: int) -> Tuple[Tensor, Dict[str, Tensor]]:
        """L_D_k from one stage's logits of [real; generated] images.

        Args:
            logits (dict): ``uncond`` and ``cond`` (2B: the first B real), ``cond_wrong``
                (real images with mismatched sentences).
            batch_size (int): B.

        Returns:
            tuple[Tensor, dict]: L_D_k and its five BCE terms (``real``, ``cond_real``,
            ``fake``, ``cond_fake``, ``cond_wrong``).
        """
        terms = dict(real=bce_logits(logits['uncond'][:batch_size], 1.0),
                     cond_real=bce_logits(logits['cond'][:batch_size], 1.0),
                     fake=bce_logits(logits['uncond'][batch_size:], 0.0),
                     cond_fake=bce_logits(logits['cond'][batch_size:], 0.0),
                     cond_wrong=bce_logits(logits['cond_wrong'], 0.0))
        loss = ((terms['real'] + terms['cond_real']) / 2 +
                (terms['fake'] + terms['cond_fake'] + terms['cond_wrong']) / 3)
        return loss, terms


@MODELS.register_module()
class ConditioningKLLoss(BaseModule):
    """KL(N(μ, σ²) || N(0, I)) of the conditioning augmentation (StackGAN; DM-GAN Sec. 3.3).

    Args:
        loss_weight (float): Factor on the term. Defaults to 1 (the reference's).
        init_cfg (dict, optional): MMEngine initialisation config (no parameters here).
    """

    def __init__(self, loss_weight: float = 1.0,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_weight = loss_weight

    def forward(self, mu: Tensor, logvar: Tensor) -> Tensor:
        """The weighted KL of B×condition_dim μ and log σ², a scalar."""
        return self.loss_weight * kl_loss(mu, logvar)


@MODELS.register_module()
class DAMSMGeneratorLoss(DAMSMLoss):
    """λ·L_DAMSM of the final generated image (AttnGAN Sec. 3.3; DM-GAN Sec. 3.3).

    The word loss L_1^w + L_2^w and the sentence loss L_1^s + L_2^s of the DAMSM encoders'
    features, each times λ (``loss_weight``: the reference's ``LAMBDA``, 5 CUB, 50 COCO). The
    word scores are batched (:func:`~mmdmgan.models.damsm.losses.batched_word_scores`: no
    host sync, no per-caption loop) and computed in fp32 also under autocast; the terms are
    those of :class:`~mmdmgan.models.damsm.losses.DAMSMLoss`, logged as the generator's.

    Args:
        loss_weight (float): λ. Defaults to 5 (CUB).
        gamma1, gamma2, gamma3 (float): DAMSM smoothing factors. Defaults to 4, 5, 10.
        init_cfg (dict, optional): MMEngine initialisation config (no parameters here).
    """

    def __init__(self,
                 loss_weight: float = 5.0,
                 gamma1: float = 4.0,
                 gamma2: float = 5.0,
                 gamma3: float = 10.0,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(gamma1, gamma2, gamma3, loss_weight, init_cfg)

    def forward(self, region_features: Tensor, image_code: Tensor, words: Tensor,
                sentence: Tensor, caption_len: Tensor,
                class_ids: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Compute the weighted losses (fp32).

        Args:
            region_features (Tensor): B×D×H×W DAMSM regions of the generated images.
            image_code (Tensor): B×D global DAMSM features of the generated images.
            words (Tensor): B×D×T word features of the captions.
            sentence (Tensor): B×D sentence features.
            caption_len (Tensor): B caption lengths.
            class_ids (Tensor, optional): B class ids (same-class pairs are masked).

        Returns:
            dict[str, Tensor]: ``loss_damsm_words`` and ``loss_damsm_sentence``.
        """
        with torch.autocast(region_features.device.type, enabled=False):
            words_img2cap, words_cap2img, _ = words_loss(
                region_features.float(), words.float(), caption_len, class_ids, self.gamma1,
                self.gamma2, self.gamma3, return_attention=False)
            sentence_img2cap, sentence_cap2img = sentence_loss(
                image_code.float(), sentence.float(), class_ids, self.gamma3)
        return dict(loss_damsm_words=self.loss_weight * (words_img2cap + words_cap2img),
                    loss_damsm_sentence=self.loss_weight * (sentence_img2cap + sentence_cap2img))


@MODELS.register_module()
class DAMSMMismatchLoss(BaseModule):
    """λ_mismatch·softplus(γ3·(cos(c(x̂), s_wrong) − cos(c(x̂), s))): the final image must match
    its caption better than its mismatched caption (not in the paper; see
    :func:`~mmdmgan.models.damsm.losses.mismatch_sentence_loss`).

    Args:
        loss_weight (float): λ_mismatch. Defaults to 1.
        gamma3 (float): Score scale. Defaults to 10.
        init_cfg (dict, optional): MMEngine initialisation config (no parameters here).
    """

    def __init__(self, loss_weight: float = 1.0, gamma3: float = 10.0,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_weight = loss_weight
        self.gamma3 = gamma3

    def forward(self, image_code: Tensor, sentence: Tensor, wrong_sentence: Tensor) -> Tensor:
        """The weighted term (fp32) from B×D image codes, sentences and mismatched sentences."""
        with torch.autocast(image_code.device.type, enabled=False):
            return self.loss_weight * mismatch_sentence_loss(
                image_code.float(), sentence.float(), wrong_sentence.float(), self.gamma3)


@MODELS.register_module()
class ModeSeekingLoss(BaseModule):
    """λ_ms / (d + ε), d = mean|G(s, z₁) − G(s, z₂)| / mean|z₁ − z₂|: two samples of one
    caption must differ in proportion to their noise (mode seeking, MSGAN: Mao et al.,
    CVPR 2019, Eq. 3). Not in DM-GAN: a generator that ignores z draws the same picture for
    every seed, also where the caption leaves the position or the size open.

    :class:`~mmdmgan.models.dmgan.DMGAN` draws the second sample for the first
    ``num_pairs`` captions of each batch in the same generator call (one more generator row
    each; the generator's batch-norm statistics cover those rows too) and compares the
    final-stage images.

    Args:
        loss_weight (float): λ_ms. Defaults to 1 (MSGAN's).
        num_pairs (int): Captions of a batch that get a second sample (at most the batch
            size). Defaults to 8.
        eps (float): ε, bounds the term when the two samples are equal. Defaults to 1e-5.
        init_cfg (dict, optional): MMEngine initialisation config (no parameters here).
    """

    def __init__(self, loss_weight: float = 1.0, num_pairs: int = 8, eps: float = 1e-5,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_pairs < 1:
            raise ValueError(f'ModeSeekingLoss num_pairs must be >= 1, got {num_pairs}')
        self.loss_weight = loss_weight
        self.num_pairs = num_pairs
        self.eps = eps

    def forward(self, images: Tensor, other_images: Tensor, noise: Tensor,
                other_noise: Tensor) -> Tensor:
        """The weighted term (fp32) from two P×3×S×S samples of the same P captions and
        their P×noise_dim noises."""
        with torch.autocast(images.device.type, enabled=False):
            image_distance = (images.float() - other_images.float()).abs().mean()
            noise_distance = (noise.float() - other_noise.float()).abs().mean()
            return self.loss_weight / (image_distance / noise_distance + self.eps)


def legacy_loss_configs(lambda_damsm: float = 5.0,
                        lambda_damsm_mismatch: float = 0.0,
                        gamma1: float = 4.0,
                        gamma2: float = 5.0,
                        gamma3: float = 10.0) -> Dict[str, Optional[dict]]:
    """The loss configs that the deprecated flat ``DMGAN`` arguments stood for.

    The defaults are those arguments' former defaults (DAMSM λ 5, no mismatch term).

    Returns:
        dict: ``damsm_loss`` and ``damsm_mismatch_loss`` configs (``None`` where λ is 0).
    """
    if lambda_damsm_mismatch < 0:
        raise ValueError(f'lambda_damsm_mismatch must be >= 0, got {lambda_damsm_mismatch}')
    damsm_loss = None if lambda_damsm == 0 else dict(
        type='DAMSMGeneratorLoss', loss_weight=lambda_damsm, gamma1=gamma1, gamma2=gamma2,
        gamma3=gamma3)
    mismatch_loss = None if lambda_damsm_mismatch == 0 else dict(
        type='DAMSMMismatchLoss', loss_weight=lambda_damsm_mismatch, gamma3=gamma3)
    return dict(damsm_loss=damsm_loss, damsm_mismatch_loss=mismatch_loss)
