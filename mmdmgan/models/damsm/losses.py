"""DAMSM matching losses between images and captions (AttnGAN, Sec. 3.3)."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmdmgan.registry import MODELS

from .text_encoder import padding_mask


def same_class_mask(class_ids: Optional[Tensor], batch_size: int,
                    device: torch.device) -> Optional[Tensor]:
    """B×B bool mask, True where sample j has sample i's class but j != i.

    Such pairs are not real mismatches, so the reference excludes them from the softmax.
    """
    if class_ids is None:
        return None
    class_ids = torch.as_tensor(class_ids, device=device).reshape(-1)
    if class_ids.numel() != batch_size:
        raise ValueError(f'class_ids has {class_ids.numel()} entries for a batch of {batch_size}')
    mask = class_ids.unsqueeze(0) == class_ids.unsqueeze(1)
    return mask & ~torch.eye(batch_size, dtype=torch.bool, device=device)


def two_way_cross_entropy(scores: Tensor, class_ids: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
    """Cross-entropy of a B×B score matrix along rows and along columns, label i for row i.

    Args:
        scores (Tensor): B×B scores, entry (i, j) matching image i with caption j.
        class_ids (Tensor, optional): B class ids used to mask same-class pairs.

    Returns:
        tuple[Tensor, Tensor]: losses over images→captions (rows) and captions→images.
    """
    batch_size = scores.size(0)
    mask = same_class_mask(class_ids, batch_size, scores.device)
    if mask is not None:
        scores = scores.masked_fill(mask, float('-inf'))
    labels = torch.arange(batch_size, device=scores.device)
    return F.cross_entropy(scores, labels), F.cross_entropy(scores.t(), labels)


def word_region_attention(words: Tensor, regions: Tensor,
                          gamma1: float) -> Tuple[Tensor, Tensor]:
    """Attend from each word of one caption over the regions of every image (Eq. 7-9).

    Args:
        words (Tensor): B×D×L features of the L real words of one caption, repeated per image.
        regions (Tensor): B×D×H×W region features.
        gamma1 (float): Sharpness of the attention over regions.

    Returns:
        tuple[Tensor, Tensor]: region context per word B×D×L and attention B×L×H×W.
    """
    batch_size, _, height, width = regions.shape
    regions = regions.flatten(2)  # B×D×N
    # s_ij = e_i^T v_j, normalised over words (Eq. 8) ...
    similarity = torch.bmm(regions.transpose(1, 2), words).softmax(dim=2)  # B×N×L
    # ... then sharpened by gamma1 and normalised over regions (Eq. 9).
    attention = (similarity.transpose(1, 2) * gamma1).softmax(dim=2)  # B×L×N
    context = torch.bmm(regions, attention.transpose(1, 2))  # B×D×L
    return context, attention.reshape(batch_size, -1, height, width)


def batched_word_scores(region_features: Tensor, words: Tensor, word_mask: Tensor,
                        gamma1: float, gamma2: float) -> Tensor:
    """log Σ_words exp(γ2·cos(c_k, e_k)) for every (image j, caption i) pair at once (Eq. 7-10).

    The per-caption loop of :func:`words_loss` as one batched computation: padding words are
    masked out of the word softmax and of the sum, so no caption length has to be read on
    the host.

    Args:
        region_features (Tensor): J×D×H×W region features.
        words (Tensor): I×D×T word features.
        word_mask (Tensor): I×T bool, True at padding.
        gamma1, gamma2 (float): Smoothing factors.

    Returns:
        Tensor: J×I scores (image j, caption i).
    """
    regions = region_features.flatten(2)  # J×D×N
    padding = word_mask[None, :, None, :]  # 1×I×1×T
    similarity = torch.einsum('jdn,idt->jint', regions, words)
    similarity = similarity.masked_fill(padding, float('-inf')).softmax(dim=3)  # over words
    attention = (similarity * gamma1).softmax(dim=2)  # over regions: J×I×N×T
    context = torch.einsum('jdn,jint->jidt', regions, attention)  # J×I×D×T
    relevance = F.cosine_similarity(words.unsqueeze(0), context, dim=2, eps=1e-8)  # J×I×T
    relevance = relevance.masked_fill(word_mask.unsqueeze(0), float('-inf'))
    return torch.logsumexp(relevance * gamma2, dim=2)


def words_loss(region_features: Tensor,
               words: Tensor,
               caption_len: Tensor,
               class_ids: Optional[Tensor] = None,
               gamma1: float = 4.0,
               gamma2: float = 5.0,
               gamma3: float = 10.0,
               return_attention: bool = True) -> Tuple[Tensor, Tensor, List[Tensor]]:
    """DAMSM word-level matching loss L_1^w + L_2^w (AttnGAN, Sec. 3.3).

    For caption i and image j: R(Q_j, D_i) = log(Σ_words exp(γ2 · cos(c_k, e_k)))^(1/γ2)
    with c_k the region context of word k; the γ3-scaled scores go through cross-entropy
    both ways, pairs of the same class (other than the true pair) masked out.

    Args:
        region_features (Tensor): B×D×H×W image region features.
        words (Tensor): B×D×T word features (padding beyond ``caption_len`` ignored).
        caption_len (Tensor): B caption lengths.
        class_ids (Tensor, optional): B class ids; ``None`` disables the masking.
        gamma1, gamma2, gamma3 (float): Smoothing factors (configs: 4, 5, 10).
        return_attention (bool): Also return the attention maps. Without them the scores
            come from :func:`batched_word_scores` (no host sync, no per-caption loop; same
            values) and the map list is empty. Defaults to True.

    Returns:
        tuple: image→caption loss, caption→image loss, and per caption i the attention of
        its words over its own image, 1×len_i×H×W.
    """
    if not return_attention:
        scores = batched_word_scores(region_features, words,
                                     padding_mask(caption_len, words.size(2)), gamma1, gamma2)
        return (*two_way_cross_entropy(scores * gamma3, class_ids), [])
    batch_size = region_features.size(0)
    scores = []
    attention_maps = []
    for i, length in enumerate(caption_len.tolist()):
        caption = words[i:i + 1, :, :length].expand(batch_size, -1, -1)
        context, attention = word_region_attention(caption, region_features, gamma1)
        attention_maps.append(attention[i:i + 1])
        relevance = F.cosine_similarity(caption, context, dim=1, eps=1e-8)  # B×L
        # (1/γ2)·log Σ exp(γ2·cos) is folded into γ3 the way the reference does it: γ3·log Σ.
        scores.append(torch.logsumexp(relevance * gamma2, dim=1, keepdim=True))
    similarity = torch.cat(scores, dim=1) * gamma3  # (image j, caption i)
    loss_images, loss_captions = two_way_cross_entropy(similarity, class_ids)
    return loss_images, loss_captions, attention_maps


def sentence_loss(image_code: Tensor,
                  sentence: Tensor,
                  class_ids: Optional[Tensor] = None,
                  gamma3: float = 10.0,
                  eps: float = 1e-8) -> Tuple[Tensor, Tensor]:
    """DAMSM sentence loss L_1^s + L_2^s: γ3-scaled cosine scores (AttnGAN, Sec. 3.3).

    Args:
        image_code (Tensor): B×D global image features.
        sentence (Tensor): B×D sentence features.
        class_ids (Tensor, optional): B class ids; ``None`` disables the masking.
        gamma3 (float): Score scale. Defaults to 10.
        eps (float): Lower bound of the norm product.

    Returns:
        tuple[Tensor, Tensor]: image→caption and caption→image losses.
    """
    norms = image_code.norm(dim=1, keepdim=True) * sentence.norm(dim=1, keepdim=True).t()
    scores = image_code @ sentence.t() / norms.clamp(min=eps) * gamma3
    return two_way_cross_entropy(scores, class_ids)


def mismatch_sentence_loss(image_code: Tensor,
                           sentence: Tensor,
                           wrong_sentence: Tensor,
                           gamma3: float = 10.0) -> Tensor:
    """Hard-negative sentence term: each image must match its caption better than its
    mismatched caption (not in AttnGAN / DM-GAN).

    ``mean_i softplus(γ3·(cos(c_i, s_i^wrong) − cos(c_i, s_i)))``, the two-way softmax
    cross-entropy of the true caption against the mismatched one. The batch's other captions,
    the negatives of :func:`sentence_loss`, usually differ in what is easiest to see (a
    scene's background); a mismatched caption that differs in one word (e.g. the shapes
    dataset's ``mismatch='attribute_swap'``) makes the term check that word.

    Args:
        image_code (Tensor): B×D global image features.
        sentence (Tensor): B×D features of the images' captions.
        wrong_sentence (Tensor): B×D features of their mismatched captions.
        gamma3 (float): Score scale. Defaults to 10.

    Returns:
        Tensor: The scalar loss.
    """
    true_scores = F.cosine_similarity(image_code, sentence, dim=1)
    wrong_scores = F.cosine_similarity(image_code, wrong_sentence, dim=1)
    return F.softplus(gamma3 * (wrong_scores - true_scores)).mean()


@MODELS.register_module()
class DAMSMLoss(BaseModule):
    """Word + sentence DAMSM losses, each summed over both matching directions.

    Args:
        gamma1, gamma2, gamma3 (float): Smoothing factors. Defaults to 4, 5, 10.
        loss_weight (float): Factor on both losses (the reference's ``LAMBDA`` when used in
            the generator loss). Defaults to 1.
        init_cfg (dict, optional): MMEngine initialisation config (no parameters here).
    """

    def __init__(self,
                 gamma1: float = 4.0,
                 gamma2: float = 5.0,
                 gamma3: float = 10.0,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gamma1, self.gamma2, self.gamma3 = gamma1, gamma2, gamma3
        self.loss_weight = loss_weight

    def directional_losses(self,
                           region_features: Tensor,
                           image_code: Tensor,
                           words: Tensor,
                           sentence: Tensor,
                           caption_len: Tensor,
                           class_ids: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """The four terms separately: words and sentence, image→caption and caption→image.

        Args: as :meth:`forward`.

        Returns:
            dict[str, Tensor]: ``loss_words_img2cap``, ``loss_words_cap2img``,
            ``loss_sentence_img2cap``, ``loss_sentence_cap2img`` (weighted scalars).
        """
        words_img2cap, words_cap2img, _ = words_loss(region_features, words, caption_len,
                                                     class_ids, self.gamma1, self.gamma2,
                                                     self.gamma3)
        sentence_img2cap, sentence_cap2img = sentence_loss(image_code, sentence, class_ids,
                                                           self.gamma3)
        return dict(loss_words_img2cap=words_img2cap * self.loss_weight,
                    loss_words_cap2img=words_cap2img * self.loss_weight,
                    loss_sentence_img2cap=sentence_img2cap * self.loss_weight,
                    loss_sentence_cap2img=sentence_cap2img * self.loss_weight)

    def forward(self,
                region_features: Tensor,
                image_code: Tensor,
                words: Tensor,
                sentence: Tensor,
                caption_len: Tensor,
                class_ids: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Compute the losses.

        Args:
            region_features (Tensor): B×D×H×W; image_code (Tensor): B×D;
            words (Tensor): B×D×T; sentence (Tensor): B×D; caption_len (Tensor): B;
            class_ids (Tensor, optional): B.

        Returns:
            dict[str, Tensor]: ``loss_words`` and ``loss_sentence`` (scalars), each the sum
            of its two directions.
        """
        terms = self.directional_losses(region_features, image_code, words, sentence,
                                        caption_len, class_ids)
        return dict(
            loss_words=terms['loss_words_img2cap'] + terms['loss_words_cap2img'],
            loss_sentence=terms['loss_sentence_img2cap'] + terms['loss_sentence_cap2img'])
