"""Dynamic memory block of DM-GAN (Zhu et al., CVPR 2019, Sec. 3.2)."""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdmgan.registry import MODELS

from .layers import reference_init_


def pointwise_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """1×1 Conv1d (with bias) + ReLU over the word axis: B×C_in×T → B×C_out×T."""
    return nn.Sequential(nn.Conv1d(in_channels, out_channels, kernel_size=1), nn.ReLU())


def word_attention_mask(word_mask: Tensor, num_positions: int,
                        reference_mask_bug: bool = False) -> Tensor:
    """Padding mask of every attention row (image position) over the words: B×N×T.

    True marks an excluded (padding) word. The AttnGAN / DM-GAN reference code tiles the B×T
    mask batch-minor (``mask.repeat(N, 1)``) over rows laid out batch-major, so row (b, j) gets
    the mask of sample (b·N + j) mod B; ``reference_mask_bug=True`` reproduces it.

    Args:
        word_mask (Tensor): B×T bool, True at padding.
        num_positions (int): N = H·W image positions.
        reference_mask_bug (bool): Reproduce the reference's tiling.

    Returns:
        Tensor: B×N×T bool.
    """
    batch_size = word_mask.size(0)
    if not reference_mask_bug:
        return word_mask.unsqueeze(1).expand(-1, num_positions, -1)
    rows = torch.arange(batch_size * num_positions, device=word_mask.device)
    return word_mask[rows % batch_size].view(batch_size, num_positions, -1)


def masked_word_softmax(scores: Tensor, mask: Tensor) -> Tensor:
    """Softmax over the words (last axis) with the masked words excluded: B×N×T.

    Half-precision scores (autocast) are upcast to fp32 first, since bf16 would round the
    attention; fp32 and fp64 scores keep their precision.
    """
    if scores.dtype in (torch.float16, torch.bfloat16):
        scores = scores.float()
    return scores.masked_fill(mask, float('-inf')).softmax(dim=-1)


def check_word_mask(word_mask: Tensor, words: Tensor) -> None:
    """Raise a ValueError unless ``word_mask`` is a B×T bool tensor for B×D×T ``words``."""
    expected = (words.size(0), words.size(2))
    if word_mask.shape != expected or word_mask.dtype != torch.bool:
        raise ValueError(f'word_mask must be a bool tensor of shape {expected}, got '
                         f'{word_mask.dtype} {tuple(word_mask.shape)}')


@MODELS.register_module()
class DynamicMemory(BaseModule):
    """Dynamic memory: gated memory writing, key addressing, value reading, gated response.

    With image features R = {r_j} (C×H×W, N = H·W positions) and word features
    W = {w_i} (D×T) (Zhu et al., CVPR 2019, Sec. 3.2):

    - memory writing: r̄ = mean_j r_j (detached, as in the reference),
      g_w_i = σ(A·w_i + B·r̄), m_i = M_w(w_i)·g_w_i + M_r(r̄)·(1 − g_w_i);
    - key addressing: α_ij = softmax_i(φ_K(m_i)ᵀ r_j) over the caption's real words;
    - value reading: o_j = Σ_i α_ij φ_V(m_i);
    - gated response: g_r_j = σ(W[r_j, o_j] + b), r'_j = o_j·g_r_j + r_j·(1 − g_r_j).

    A and B are bias-free linear maps to 1; M_w, M_r, φ_K, φ_V are 1×1 convolutions + ReLU.

    The two gates are the paper's ablation switches (Sec. 4, Table 3). Without the writing
    gate the memory holds the words alone, m_i = M_w(w_i) (A, B and M_r are not built); without
    the response gate the memory output is added to the features, r'_j = r_j + o_j (W, b not
    built). Both replacements are the ungated operations of a key-value memory network.

    Args:
        image_dim (int): Channels C of the image features (the generator's ``gf_dim``).
        word_dim (int): Size D of the word features. Defaults to 256.
        memory_dim (int, optional): Size of the memory slots m_i; ``None`` means 2·image_dim
            (the reference).
        reference_mask_bug (bool): Reproduce the reference's padding mask, which gives the
            attention row of position j in sample b the mask of sample (b·N + j) mod B, so short
            captions attend to padding and long ones lose real words. Only for running
            converted original checkpoints exactly. Defaults to False (correct masking).
        attention_impl (str): How key addressing + value reading run. ``'matmul'`` (default)
            materialises the B×N×T attention, as the reference does. ``'sdpa'`` runs both as
            one fused ``scaled_dot_product_attention`` call (scale 1: the reference's scores
            φ_K(m_i)ᵀ r_j are not divided by √C) whenever the attention maps are not asked
            for; with ``return_attention=True`` or ``reference_mask_bug=True`` the
            ``'matmul'`` path runs, so maps and the reference's mask stay exact.
        writing_gate (bool): Gate the memory writing (g_w). Defaults to True.
        response_gate (bool): Gate the response (g_r). Defaults to True.
        init_cfg (dict, optional): MMEngine initialisation config. Without it the reference
            init is used (orthogonal weights, see :func:`reference_init_`).
    """

    def __init__(self,
                 image_dim: int,
                 word_dim: int = 256,
                 memory_dim: Optional[int] = None,
                 reference_mask_bug: bool = False,
                 attention_impl: str = 'matmul',
                 writing_gate: bool = True,
                 response_gate: bool = True,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if attention_impl not in ('matmul', 'sdpa'):
            raise ValueError(f"attention_impl must be 'matmul' or 'sdpa', got {attention_impl!r}")
        memory_dim = image_dim * 2 if memory_dim is None else memory_dim
        self.out_channels = image_dim
        self.reference_mask_bug = reference_mask_bug
        self.attention_impl = attention_impl
        self.use_writing_gate = writing_gate
        self.use_response_gate = response_gate
        if writing_gate:
            self.word_writing_gate = nn.Linear(word_dim, 1, bias=False)  # A
            self.image_writing_gate = nn.Linear(image_dim, 1, bias=False)  # B
        self.word_to_memory = pointwise_conv(word_dim, memory_dim)  # M_w
        if writing_gate:
            self.image_to_memory = pointwise_conv(image_dim, memory_dim)  # M_r
        self.memory_key = pointwise_conv(memory_dim, image_dim)  # φ_K
        self.memory_value = pointwise_conv(memory_dim, image_dim)  # φ_V
        if response_gate:
            self.response_gate_conv = nn.Conv2d(image_dim * 2, 1, kernel_size=1)
        reference_init_(self)

    def memory_writing(self, image_features: Tensor,
                       words: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        """Memory writing: gated mix of word and mean-image memories.

        Args:
            image_features (Tensor): B×C×H×W.
            words (Tensor): B×D×T.

        Returns:
            tuple[Tensor, Tensor | None]: memory B×M×T and the writing gate B×1×T (``None``
            without the writing gate, where the memory is M_w(w_i)).
        """
        if not self.use_writing_gate:
            return self.word_to_memory(words), None
        # The reference's AvgPool2d(kernel_size=H): its summation order, so converted
        # checkpoints give the original features bit for bit (a mean over (2, 3) does not).
        image_mean = F.avg_pool2d(image_features, image_features.shape[2:]).flatten(1).detach()
        gate = torch.sigmoid(self.word_writing_gate(words.transpose(1, 2)).transpose(1, 2)
                             + self.image_writing_gate(image_mean).unsqueeze(2))  # B×1×T
        memory = (self.word_to_memory(words) * gate
                  + self.image_to_memory(image_mean.unsqueeze(2)) * (1 - gate))
        return memory, gate

    def attention_mask(self, word_mask: Tensor, num_positions: int) -> Tensor:
        """Padding mask per attention row: B×N×T (True = excluded); see
        :func:`word_attention_mask`."""
        return word_attention_mask(word_mask, num_positions, self.reference_mask_bug)

    def key_addressing(self, image_features: Tensor, memory: Tensor,
                       word_mask: Tensor) -> Tensor:
        """Attention of every image position over the memory slots (key addressing).

        Args:
            image_features (Tensor): B×C×H×W.
            memory (Tensor): B×M×T.
            word_mask (Tensor): B×T bool, True at padding.

        Returns:
            Tensor: attention B×N×T (N = H·W), each row summing to 1 over the real words
            (fp32 for half-precision inputs, else the inputs' dtype).
        """
        key = self.memory_key(memory)  # B×C×T
        scores = torch.bmm(image_features.flatten(2).transpose(1, 2), key)  # B×N×T
        return masked_word_softmax(scores, self.attention_mask(word_mask, scores.size(1)))

    def value_reading(self, memory: Tensor, attention: Tensor) -> Tensor:
        """Read the memory values with the attention (value reading):
        B×M×T, B×N×T → B×C×N."""
        value = self.memory_value(memory)
        return torch.bmm(value, attention.transpose(1, 2).to(value.dtype))

    def fused_read(self, image_features: Tensor, memory: Tensor, word_mask: Tensor) -> Tensor:
        """Key addressing and value reading in one fused attention call: B×C×N.

        Equals ``value_reading(memory, key_addressing(...))`` without materialising the
        B×N×T attention; queries are the image positions r_j, keys φ_K(m_i), values
        φ_V(m_i), and the softmax is unscaled (scale 1) like the reference's.
        """
        query = image_features.flatten(2).transpose(1, 2)  # B×N×C
        key = self.memory_key(memory).transpose(1, 2)  # B×T×C
        value = self.memory_value(memory).transpose(1, 2)  # B×T×C
        # SDPA's boolean mask marks the words that take part: B×1×T, broadcast over N.
        output = F.scaled_dot_product_attention(query, key, value,
                                                attn_mask=~word_mask.unsqueeze(1), scale=1.0)
        return output.transpose(1, 2)

    def response_gate(self, image_features: Tensor, memory_output: Tensor) -> Tensor:
        """Response gate g_r = σ(W[r, o] + b): B×C×H×W each → B×1×H×W."""
        return torch.sigmoid(
            self.response_gate_conv(torch.cat((image_features, memory_output), dim=1)))

    def forward(self, image_features: Tensor, words: Tensor, word_mask: Tensor,
                return_attention: bool = True) -> Tuple[Tensor, Optional[Tensor]]:
        """Refine the image features with the caption's words.

        Args:
            image_features (Tensor): B×C×H×W image features R.
            words (Tensor): B×D×T word features W.
            word_mask (Tensor): B×T bool, True at PADDING positions; every caption needs
                at least one real word.
            return_attention (bool): Return the attention maps (else ``None``, which lets
                ``attention_impl='sdpa'`` use the fused call). Defaults to True.

        Returns:
            tuple[Tensor, Tensor | None]: new features B×C×H×W and attention B×T×H×W (sums
            to 1 over the real words at every position).
        """
        check_word_mask(word_mask, words)
        batch_size, channels, height, width = image_features.shape
        memory, _ = self.memory_writing(image_features, words)
        fused = (self.attention_impl == 'sdpa' and not return_attention
                 and not self.reference_mask_bug)
        if fused:
            attention = None
            memory_output = self.fused_read(image_features, memory, word_mask)
        else:
            attention = self.key_addressing(image_features, memory, word_mask)
            memory_output = self.value_reading(memory, attention)
            attention = attention.transpose(1, 2).reshape(batch_size, -1, height, width)
        memory_output = memory_output.reshape(batch_size, channels, height, width)
        if not self.use_response_gate:
            return image_features + memory_output, attention
        gate = self.response_gate(image_features, memory_output)
        new_features = memory_output * gate + image_features * (1 - gate)
        return new_features, attention
