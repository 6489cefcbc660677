"""DM-GAN generator: conditioning augmentation, initial stage, memory-based refinement stages."""
from typing import List, NamedTuple, Optional, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdmgan.registry import MODELS

from .layers import GLU, ResidualBlock, UpBlock, conv3x3, reference_init_


class GeneratorOutput(NamedTuple):
    """What :class:`DMGANGenerator` returns.

    Attributes:
        images (list[Tensor]): B×3×S×S images in [-1, 1], S = 64, 128, 256 (one per stage).
        attention_maps (list[Tensor]): B×T×S×S word attention of each refinement stage, at
            the resolution of the features it refines (64, 128).
        mu (Tensor): B×condition_dim mean of the conditioning distribution.
        logvar (Tensor): B×condition_dim log-variance of the conditioning distribution.
    """
    images: List[Tensor]
    attention_maps: List[Tensor]
    mu: Tensor
    logvar: Tensor


@MODELS.register_module()
class ConditioningAugmentation(BaseModule):
    """Conditioning augmentation (StackGAN): c = μ(s) + σ(s)·ε, ε ~ N(0, I).

    μ and log σ² come from a linear layer to 4·condition_dim followed by a GLU.

    Args:
        text_dim (int): Size of the sentence feature s. Defaults to 256.
        condition_dim (int): Size of c. Defaults to 100.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, text_dim: int = 256, condition_dim: int = 100,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.condition_dim = condition_dim
        self.projection = nn.Linear(text_dim, condition_dim * 4)
        self.glu = GLU()

    def forward(self, sentence: Tensor, epsilon: Optional[Tensor] = None,
                use_mean: bool = False) -> Tuple[Tensor, Tensor, Tensor]:
        """Sample the condition code.

        Args:
            sentence (Tensor): B×text_dim sentence features.
            epsilon (Tensor, optional): B×condition_dim noise; drawn from N(0, I) when
                omitted (also in eval mode).
            use_mean (bool): Return c = μ (no sampling).

        Returns:
            tuple[Tensor, Tensor, Tensor]: c, μ, log σ², each B×condition_dim.
        """
        mu, logvar = self.glu(self.projection(sentence)).chunk(2, dim=1)
        if use_mean:
            return mu, mu, logvar
        if epsilon is None:
            epsilon = torch.randn_like(mu)
        elif epsilon.shape != mu.shape:
            raise ValueError(f'ca_epsilon must have shape {tuple(mu.shape)}, '
                             f'got {tuple(epsilon.shape)}')
        return mu + epsilon * torch.exp(0.5 * logvar), mu, logvar


class InitialStage(nn.Module):
    """F_0: [c, z] → bias-free linear → BN1d → GLU → 16·gf×4×4 → four up-blocks → gf×64×64."""

    def __init__(self, in_dim: int, gf_dim: int) -> None:
        super().__init__()
        self.channels = gf_dim * 16
        self.projection = nn.Sequential(
            nn.Linear(in_dim, self.channels * 4 * 4 * 2, bias=False),
            nn.BatchNorm1d(self.channels * 4 * 4 * 2), GLU())
        self.upsample_blocks = nn.Sequential(*[
            UpBlock(self.channels // 2**i, self.channels // 2**(i + 1)) for i in range(4)])

    def forward(self, condition: Tensor, noise: Tensor) -> Tensor:
        features = self.projection(torch.cat((condition, noise), dim=1))
        return self.upsample_blocks(features.view(-1, self.channels, 4, 4))


class RefinementStage(nn.Module):
    """F_k: text block → residual blocks (2·gf channels) → up-block: gf×S×S → gf×2S×2S.

    The text block (attribute ``memory``, so DM-GAN's checkpoint keys stay
    ``refinement_stages.<k>.memory.*``) maps the features and the words to new features with
    ``out_channels`` channels (``gf`` when it has no such attribute). A block with gf output
    channels (DM-GAN's dynamic memory: r') is duplicated to [r', r'], the reference's channel
    layout; one with 2·gf (AttnGAN's word attention: [h, c]) feeds the residual blocks as is.

    Args:
        gf_dim (int): Channels of the stage's input and output features.
        num_residual (int): Residual blocks (R_NUM).
        block (nn.Module): The text block, called as ``block(features B×gf×S×S, words B×D×T,
            word_mask B×T, return_attention) -> (B×out_channels×S×S, B×T×S×S | None)``.
    """

    def __init__(self, gf_dim: int, num_residual: int, block: nn.Module) -> None:
        super().__init__()
        block_channels = getattr(block, 'out_channels', gf_dim)
        if block_channels not in (gf_dim, gf_dim * 2):
            raise ValueError(f'{type(block).__name__} returns {block_channels} channels; a '
                             f'refinement-stage block must return gf_dim ({gf_dim}, duplicated '
                             f'as in DM-GAN) or 2·gf_dim ({gf_dim * 2}, used as is)')
        self.duplicate = block_channels == gf_dim
        self.memory = block
        self.residual_blocks = nn.Sequential(
            *[ResidualBlock(gf_dim * 2) for _ in range(num_residual)])
        self.upsample = UpBlock(gf_dim * 2, gf_dim)

    def forward(self, features: Tensor, words: Tensor, word_mask: Tensor,
                return_attention: bool = True) -> Tuple[Tensor, Optional[Tensor]]:
        refined, attention = self.memory(features, words, word_mask, return_attention)
        if self.duplicate:
            refined = torch.cat((refined, refined), dim=1)
        return self.upsample(self.residual_blocks(refined)), attention


class ImageHead(nn.Sequential):
    """G_k: bias-free 3×3 conv to RGB + tanh: gf×S×S → 3×S×S in [-1, 1]."""

    def __init__(self, gf_dim: int) -> None:
        super().__init__(conv3x3(gf_dim, 3), nn.Tanh())


@MODELS.register_module()
class DMGANGenerator(BaseModule):
    """Multi-stage DM-GAN generator (Zhu et al., CVPR 2019, Sec. 3, Fig. 2).

    R_0 = F_0([c, z]) at 64×64; R_k = F_k(R_{k-1}, W) with the dynamic memory; every stage
    emits an image x_k = G_k(R_k) at 64·2^k. The text block of the refinement stages is built
    from ``memory`` through the registry, so the same generator is AttnGAN's (Xu et al. 2018)
    with ``memory=dict(type='WordContextAttention')``, or any registered block with the
    call signature of :class:`RefinementStage`'s ``block``.

    Args:
        noise_dim (int): Size of z. Defaults to 100.
        text_dim (int): Size of the sentence and word features. Defaults to 256.
        condition_dim (int): Size of the CA code c. Defaults to 100.
        gf_dim (int): Channels of the stage features (the initial stage starts with
            16·gf_dim). Defaults to 64.
        num_stages (int): Number of stages/images (1: 64, 2: +128, 3: +256). Defaults to 3.
        num_residual (int): Residual blocks per refinement stage (R_NUM: 2 CUB, 3 COCO).
            Defaults to 2.
        memory (dict): Config of each refinement stage's text block, built with the default
            args ``image_dim=gf_dim`` and ``word_dim=text_dim`` (plus ``memory_dim``,
            ``reference_mask_bug`` and ``attention_impl`` when those are set here). Defaults
            to ``None``, i.e. ``dict(type='DynamicMemory')``; e.g. ``dict(type='DynamicMemory',
            writing_gate=False)`` for an ablation, ``dict(type='WordContextAttention')`` for
            AttnGAN.
        memory_dim (int, optional): Memory slot size of :class:`DynamicMemory`; ``None``
            means 2·gf_dim (the reference).
        reference_mask_bug (bool): See :class:`DynamicMemory`. Defaults to False.
        attention_impl (str): ``'matmul'`` or ``'sdpa'`` (fused memory read when no attention
            maps are asked for), see :class:`DynamicMemory`. Defaults to ``'matmul'``.
        init_cfg (dict, optional): MMEngine initialisation config. Without it the reference
            init is used (orthogonal conv/linear weights, BN weights N(1, 0.02)).
    """

    def __init__(self,
                 noise_dim: int = 100,
                 text_dim: int = 256,
                 condition_dim: int = 100,
                 gf_dim: int = 64,
                 num_stages: int = 3,
                 num_residual: int = 2,
                 memory: Optional[dict] = None,
                 memory_dim: Optional[int] = None,
                 reference_mask_bug: bool = False,
                 attention_impl: str = 'matmul',
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_stages < 1:
            raise ValueError(f'num_stages must be at least 1, got {num_stages}')
        self.noise_dim = noise_dim
        # Only the options that are set reach the block, so a block without them still builds.
        block_args = dict(image_dim=gf_dim, word_dim=text_dim)
        if memory_dim is not None:
            block_args['memory_dim'] = memory_dim
        if reference_mask_bug:
            block_args['reference_mask_bug'] = True
        if attention_impl != 'matmul':
            block_args['attention_impl'] = attention_impl
        self.conditioning_augmentation = ConditioningAugmentation(text_dim, condition_dim)
        self.initial_stage = InitialStage(noise_dim + condition_dim, gf_dim)
        self.refinement_stages = nn.ModuleList([
            RefinementStage(gf_dim, num_residual,
                            MODELS.build(memory or dict(type='DynamicMemory'),
                                         default_args=block_args))
            for _ in range(num_stages - 1)])
        self.image_heads = nn.ModuleList([ImageHead(gf_dim) for _ in range(num_stages)])
        reference_init_(self)

    def forward(self,
                noise: Tensor,
                sentence: Tensor,
                words: Tensor,
                word_mask: Tensor,
                ca_epsilon: Optional[Tensor] = None,
                use_ca_mean: bool = False,
                return_attention: bool = True) -> GeneratorOutput:
        """Generate images at every stage.

        Args:
            noise (Tensor): B×noise_dim z.
            sentence (Tensor): B×text_dim sentence features.
            words (Tensor): B×text_dim×T word features.
            word_mask (Tensor): B×T bool, True at padding.
            ca_epsilon (Tensor, optional): B×condition_dim CA noise (drawn when omitted).
            use_ca_mean (bool): Use c = μ instead of sampling.
            return_attention (bool): Compute the attention maps; without them
                ``attention_maps`` is empty (training needs none, and the fused memory read
                of ``attention_impl='sdpa'`` only runs then). Defaults to True.

        Returns:
            GeneratorOutput: images, attention maps, μ, log σ².
        """
        if noise.dim() != 2 or noise.size(1) != self.noise_dim:
            raise ValueError(f'noise must be B×{self.noise_dim}, got {tuple(noise.shape)}')
        condition, mu, logvar = self.conditioning_augmentation(sentence, ca_epsilon, use_ca_mean)
        features = self.initial_stage(condition, noise)
        images = [self.image_heads[0](features)]
        attention_maps = []
        for stage, head in zip(self.refinement_stages, self.image_heads[1:]):
            features, attention = stage(features, words, word_mask, return_attention)
            images.append(head(features))
            if return_attention:
                attention_maps.append(attention)
        return GeneratorOutput(images, attention_maps, mu, logvar)
