"""DM-GAN discriminators for 64/128/256 images with unconditional and conditional logits."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from mmdmgan.registry import MODELS

from .layers import reference_init_

#: Supported image sizes and the number of stride-2 blocks after the first 16× reduction.
EXTRA_DOWNSAMPLING = {64: 0, 128: 1, 256: 2}


def sn_conv_block(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """Spectral-normalised conv (with bias) + LeakyReLU(0.2).

    ``kernel_size`` 4 halves the resolution (stride 2, padding 1); 3 keeps it. The weight
    gets the reference's orthogonal init before the parametrisation is registered, so the
    power-iteration vectors start from that weight.
    """
    stride, padding = (2, 1) if kernel_size == 4 else (1, 1)
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)
    reference_init_(conv)
    return nn.Sequential(spectral_norm(conv), nn.LeakyReLU(0.2))


class LogitsHead(nn.Module):
    """8·df×4×4 features (+ sentence tiled 4×4) → raw logit per sample (B).

    Conditional heads fuse [h, s] with a spectral-normalised 3×3 conv + LeakyReLU first;
    both end in a plain 4×4 conv (stride 4) to one channel.
    """

    def __init__(self, channels: int, text_dim: Optional[int] = None) -> None:
        super().__init__()
        self.joint_conv = (None if text_dim is None else
                           sn_conv_block(channels + text_dim, channels, kernel_size=3))
        self.logits_conv = nn.Conv2d(channels, 1, kernel_size=4, stride=4)
        reference_init_(self.logits_conv)

    def forward(self, features: Tensor, sentence: Optional[Tensor] = None) -> Tensor:
        if self.joint_conv is not None:
            tiled = sentence[:, :, None, None].expand(-1, -1, *features.shape[2:])
            features = self.joint_conv(torch.cat((features, tiled), dim=1))
        return self.logits_conv(features).view(-1)


@MODELS.register_module()
class DMGANDiscriminator(BaseModule):
    """Discriminator D_k of DM-GAN (the reference's D_NET64/128/256 layout).

    ``backbone``: four 4×4 stride-2 convs 3→df→2df→4df→8df (16× smaller), then for 128 one
    more 4×4 stride-2 conv 8df→16df and a 3×3 conv 16df→8df; for 256 two 4×4 stride-2 convs
    8df→16df→32df and 3×3 convs 32df→16df→8df. Every backbone conv has a bias, spectral norm
    and LeakyReLU(0.2); there is no BatchNorm, as in the reference. The result is 8df×4×4.

    Spectral norm is PyTorch's ``torch.nn.utils.parametrizations.spectral_norm`` (one power
    iteration per training-mode forward), not a copy of the reference's own SpectralNorm
    wrapper. Both normalise by σ estimated as uᵀWv and converted checkpoints carry the
    reference's W, u and v, but the power step differs in order (PyTorch updates u then v;
    the reference v then u, and also iterates in eval mode), so logits of a converted
    discriminator equal the reference's only once the power iteration has converged (as in
    a trained release; eval mode reproduces the σ of the reference's last training step).
    Exactness is required of the generator and encoders, which make the images; the
    discriminators only matter for training, so we keep PyTorch's standard implementation.

    Logits are raw (no sigmoid): use BCE-with-logits, which equals the reference's sigmoid +
    BCE but is numerically stable and AMP-safe.

    Args:
        image_size (int): 64, 128 or 256.
        df_dim (int): Base channels df. Defaults to 32.
        text_dim (int): Size of the sentence feature. Defaults to 256.
        init_cfg (dict, optional): MMEngine initialisation config. Without it the reference
            init is used (orthogonal conv weights, PyTorch's default biases).
    """

    def __init__(self,
                 image_size: int = 64,
                 df_dim: int = 32,
                 text_dim: int = 256,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if image_size not in EXTRA_DOWNSAMPLING:
            raise ValueError(f'image_size must be one of {sorted(EXTRA_DOWNSAMPLING)}, '
                             f'got {image_size}')
        self.image_size = image_size
        channels = [3, df_dim, df_dim * 2, df_dim * 4, df_dim * 8]
        channels += [df_dim * 8 * 2**(i + 1) for i in range(EXTRA_DOWNSAMPLING[image_size])]
        blocks = [sn_conv_block(c_in, c_out, kernel_size=4)
                  for c_in, c_out in zip(channels[:-1], channels[1:])]
        # Back down to 8·df channels at 4×4 with 3×3 convs, halving each time.
        while channels[-1] > df_dim * 8:
            blocks.append(sn_conv_block(channels[-1], channels[-1] // 2, kernel_size=3))
            channels.append(channels[-1] // 2)
        self.backbone = nn.Sequential(*blocks)
        self.unconditional_head = LogitsHead(df_dim * 8)
        self.conditional_head = LogitsHead(df_dim * 8, text_dim)

    def forward(self, img: Tensor) -> Tensor:
        """Encode images: B×3×S×S (S = ``image_size``) → features B×8df×4×4."""
        if img.dim() != 4 or img.shape[1:] != (3, self.image_size, self.image_size):
            raise ValueError(f'img must be B×3×{self.image_size}×{self.image_size}, '
                             f'got {tuple(img.shape)}')
        return self.backbone(img)

    def logits(self, features: Tensor, sentence: Optional[Tensor] = None) -> Tensor:
        """Raw logits B: unconditional when ``sentence`` is None, else conditioned on it (B×D)."""
        if sentence is None:
            return self.unconditional_head(features)
        return self.conditional_head(features, sentence)


class StageDiscriminators(nn.ModuleList):
    """The discriminators D_0..D_{K-1} (64, 128, 256), evaluated in one call.

    One ``forward`` runs every stage so that a DDP wrapper around the whole list sees all
    discriminator computation inside its forward (gradients are then synchronised for
    every D). Checkpoint keys stay ``discriminators.<k>.*``.
    """

    def forward(self, images: Sequence[Tensor], sentence: Tensor,
                wrong_sentence: Optional[Tensor] = None) -> List[Dict[str, Tensor]]:
        """Logits of every stage.

        Args:
            images (Sequence[Tensor]): One N×3×S×S batch per stage (ascending S).
            sentence (Tensor): N×D sentence features paired with the images.
            wrong_sentence (Tensor, optional): M×D mismatched sentences for the first M images.

        Returns:
            list[dict]: Per stage raw logits ``uncond`` (N), ``cond`` (N) and, with
            ``wrong_sentence``, ``cond_wrong`` (M).
        """
        if len(images) != len(self):
            raise ValueError(f'expected {len(self)} image scales, got {len(images)}')
        outputs = []
        for discriminator, img in zip(self, images):
            features = discriminator(img)
            logits = dict(uncond=discriminator.logits(features),
                          cond=discriminator.logits(features, sentence))
            if wrong_sentence is not None:
                logits['cond_wrong'] = discriminator.logits(features[:len(wrong_sentence)],
                                                            wrong_sentence)
            outputs.append(logits)
        return outputs
