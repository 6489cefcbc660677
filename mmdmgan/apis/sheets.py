"""Picture sheets of one generated image: its stages side by side, and its word attention."""
from typing import List, Sequence

import cv2
import numpy as np
from torch import Tensor

from mmdmgan.engine.hooks.visualization_hook import (
    FONT,
    attention_overlay,
    labelled,
    to_uint8_image,
)

ROW_LABEL_BAND = 18  # pixels above each attention row for its title


def stage_sheet(stage_images: Sequence[Tensor], tile_size: int) -> np.ndarray:
    """Every stage of one image, resized to ``tile_size`` and labelled with its size.

    Args:
        stage_images (Sequence[Tensor]): Per stage one 3×S×S image in [-1, 1].
        tile_size (int): Side of every tile.

    Returns:
        np.ndarray: (16 + tile_size)×(stages · tile_size)×3 uint8 RGB.
    """
    return np.concatenate([labelled(to_uint8_image(image, tile_size), f'{image.shape[-1]}px')
                           for image in stage_images], axis=1)


def attention_sheet(stage_images: Sequence[Tensor], attention_maps: Sequence[Tensor],
                    words: Sequence[str], tile_size: int) -> np.ndarray:
    """One row per refinement stage: its output, then each word's attention over it.

    Refinement stage k (k ≥ 1) turns the features of stage k-1 into image k; its word
    attention (L×h×w, h the side of those features) is drawn as a heat map over image k.

    Args:
        stage_images (Sequence[Tensor]): Per stage one 3×S×S image in [-1, 1].
        attention_maps (Sequence[Tensor]): Per refinement stage the L×h×w maps.
        words (Sequence[str]): The L words, the labels of the maps.
        tile_size (int): Side of every tile.

    Returns:
        np.ndarray: H×W×3 uint8 RGB.
    """
    if not attention_maps:
        raise ValueError('attention_sheet needs a model with at least one refinement stage')
    rows: List[np.ndarray] = []
    for stage, maps in enumerate(attention_maps, start=1):
        image = to_uint8_image(stage_images[stage], tile_size)
        tiles = [labelled(image, f'{stage_images[stage].shape[-1]}px')]
        tiles += [labelled(attention_overlay(image, word_map), word)
                  for word, word_map in zip(words, maps)]
        row = np.concatenate(tiles, axis=1)
        band = np.full((ROW_LABEL_BAND, row.shape[1], 3), 255, np.uint8)
        cv2.putText(band, f'refinement stage {stage}: word attention (blue low, red high)',
                    (2, ROW_LABEL_BAND - 5), FONT, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.concatenate([band, row]))
    return np.concatenate(rows)
