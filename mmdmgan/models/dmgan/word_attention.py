"""AttnGAN's word-context attention as a refinement-stage block (Xu et al., CVPR 2018)."""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdmgan.registry import MODELS

from .layers import reference_init_
from .memory import check_word_mask, masked_word_softmax, word_attention_mask


@MODELS.register_module()
class WordContextAttention(BaseModule):
    """Word-context attention of AttnGAN's refinement stages (Xu et al. 2018, Sec. 3.1, Eq. 2).

    With image features h = {h_j} (C×H×W, N = H·W positions) and word features e = {e_i}
    (D×T): the words are projected to the image feature space, e'_i = U·e_i (a bias-free
    1×1 convolution), every position attends over the caption's real words,
    β_ji = softmax_i(h_jᵀ e'_i), and the word-context is c_j = Σ_i β_ji e'_i. The block returns
    [h, c] (2·C channels), the input of the stage's residual blocks in AttnGAN
    (``GlobalAttentionGeneral`` + ``torch.cat((h_code, c_code), 1)`` of the reference code).

    Args:
        image_dim (int): Channels C of the image features (the generator's ``gf_dim``).
        word_dim (int): Size D of the word features. Defaults to 256.
        reference_mask_bug (bool): Reproduce the reference's padding-mask tiling (see
            :func:`~mmdmgan.models.dmgan.memory.word_attention_mask`); only for converted
            original checkpoints. Defaults to False.
        attention_impl (str): ``'matmul'`` (default: the B×N×T attention is materialised) or
            ``'sdpa'`` (one fused unscaled ``scaled_dot_product_attention`` call when no maps
            are asked for and the mask is the correct one).
        init_cfg (dict, optional): MMEngine initialisation config. Without it the reference
            init is used (orthogonal weights, see :func:`reference_init_`).
    """

    def __init__(self,
                 image_dim: int,
                 word_dim: int = 256,
                 reference_mask_bug: bool = False,
                 attention_impl: str = 'matmul',
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if attention_impl not in ('matmul', 'sdpa'):
            raise ValueError(f"attention_impl must be 'matmul' or 'sdpa', got {attention_impl!r}")
        self.out_channels = image_dim * 2
        self.reference_mask_bug = reference_mask_bug
        self.attention_impl = attention_impl
        # A 1×1 Conv2d over B×D×T×1, as the reference's conv_context, so its weights convert
        # unchanged (C×D×1×1).
        self.word_projection = nn.Conv2d(word_dim, image_dim, kernel_size=1, bias=False)  # U
        reference_init_(self)

    def forward(self, image_features: Tensor, words: Tensor, word_mask: Tensor,
                return_attention: bool = True) -> Tuple[Tensor, Optional[Tensor]]:
        """Attend from every image position over the words and append the word-context.

        Args:
            image_features (Tensor): B×C×H×W image features h.
            words (Tensor): B×D×T word features e.
            word_mask (Tensor): B×T bool, True at padding; every caption needs a real word.
            return_attention (bool): Return the attention maps. Defaults to True.

        Returns:
            tuple[Tensor, Tensor | None]: [h, c] B×2C×H×W and the attention B×T×H×W (sums to
            1 over the real words at every position; ``None`` when not asked for).
        """
        check_word_mask(word_mask, words)
        batch_size, channels, height, width = image_features.shape
        context = self.word_projection(words.unsqueeze(3)).squeeze(3)  # B×C×T
        query = image_features.flatten(2).transpose(1, 2)  # B×N×C
        attention = None
        if self.attention_impl == 'sdpa' and not return_attention and not self.reference_mask_bug:
            word_context = F.scaled_dot_product_attention(
                query, context.transpose(1, 2), context.transpose(1, 2),
                attn_mask=~word_mask.unsqueeze(1), scale=1.0).transpose(1, 2)
        else:
            scores = torch.bmm(query, context)  # B×N×T
            weights = masked_word_softmax(
                scores, word_attention_mask(word_mask, scores.size(1), self.reference_mask_bug))
            word_context = torch.bmm(context, weights.transpose(1, 2).to(context.dtype))
            if return_attention:
                attention = weights.transpose(1, 2).reshape(batch_size, -1, height, width)
        word_context = word_context.reshape(batch_size, channels, height, width)
        return torch.cat((image_features, word_context), dim=1), attention
