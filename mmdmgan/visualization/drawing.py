"""Tiles of generated images: resizing to uint8, attention heat maps, labels."""
import cv2
import numpy as np
import torch.nn.functional as F
from torch import Tensor

from mmdmgan.utils import to_uint8

LABEL_BAND = 16  # pixels above each tile for its label
FONT = cv2.FONT_HERSHEY_SIMPLEX


def to_uint8_image(img: Tensor, size: int) -> np.ndarray:
    """3×H×W in [-1, 1] → size×size×3 uint8 RGB (bilinear resize)."""
    img = F.interpolate(img[None].float(), size=(size, size), mode='bilinear',
                        align_corners=False)
    return to_uint8(img)[0]


def attention_overlay(image: np.ndarray, attention: Tensor) -> np.ndarray:
    """Blend an h×w attention map as a heat map over ``image``.

    The map is stretched to its own range (min → blue, max → red): a word's attention is
    often nearly uniform early in training, and its structure would not show otherwise.
    """
    size = image.shape[0]
    heat = F.interpolate(attention[None, None].float(), size=(size, size), mode='bilinear',
                         align_corners=False)[0, 0]
    heat = heat - heat.min()
    heat = (heat / heat.max().clamp(min=1e-12) * 255).byte().cpu().numpy()
    colour = cv2.cvtColor(cv2.applyColorMap(heat, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(image, 0.5, colour, 0.5, 0)


def labelled(tile: np.ndarray, label: str) -> np.ndarray:
    """The tile with a white band above it holding ``label``."""
    band = np.full((LABEL_BAND, tile.shape[1], 3), 255, np.uint8)
    cv2.putText(band, label, (2, LABEL_BAND - 4), FONT, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([band, tile])
