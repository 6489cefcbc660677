"""Generator output ([-1, 1] floats) as 8-bit RGB arrays."""
import numpy as np
import torch
from torch import Tensor


def to_uint8(images: Tensor, truncate: bool = False) -> np.ndarray:
    """N×3×H×W float in [-1, 1] → N×H×W×3 uint8 RGB, clipped to [-1, 1] first.

    Args:
        images (Tensor): N×3×H×W images in [-1, 1] (any float dtype, any device).
        truncate (bool): ``(x + 1) · 127.5`` truncated instead of rounded: the reference's
            PNG writer, which evaluation outputs follow so that metrics compare with its
            numbers. Defaults to False.

    Returns:
        np.ndarray: N×H×W×3 uint8.
    """
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f'to_uint8 expects N×3×H×W images, got shape {tuple(images.shape)}')
    scaled = (images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5
    if not truncate:
        scaled = scaled.round()
    return scaled.to(torch.uint8).permute(0, 2, 3, 1).numpy()
