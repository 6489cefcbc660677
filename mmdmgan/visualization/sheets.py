"""Picture sheets: one image's stages side by side, its word attention, a grid of captions."""
from typing import List, Optional, Sequence

import cv2
import numpy as np
from torch import Tensor

from .drawing import FONT, LABEL_BAND, attention_overlay, labelled, to_uint8_image

ROW_LABEL_BAND = 18  # pixels above each attention row for its title
CAPTION_BAND = 22  # pixels above each row of a caption grid for the caption text


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


def build_grid(stage_images: Sequence[Tensor], attention: Optional[Tensor],
               captions: Sequence[str], words: Sequence[Sequence[str]],
               tile_size: int) -> np.ndarray:
    """Rows = captions; columns = every stage, then the attention of each word.

    Args:
        stage_images (Sequence[Tensor]): Per stage B×3×S×S in [-1, 1] (ascending S).
        attention (Tensor, optional): B×T×h×w attention of the last refinement stage.
        captions (Sequence[str]): B caption texts, written above their rows.
        words (Sequence[Sequence[str]]): The words of each caption (labels of the maps).
        tile_size (int): Side of every tile.

    Returns:
        np.ndarray: H×W×3 uint8 RGB grid.
    """
    num_words = max(len(w) for w in words) if attention is not None else 0
    width = (len(stage_images) + num_words) * tile_size
    rows = []
    for i, caption in enumerate(captions):
        tiles = [labelled(to_uint8_image(images[i], tile_size), f'{images.shape[-1]}px')
                 for images in stage_images]
        final = to_uint8_image(stage_images[-1][i], tile_size)
        for k in range(num_words):
            if k < len(words[i]):
                tiles.append(labelled(attention_overlay(final, attention[i, k]), words[i][k]))
            else:
                tiles.append(np.full((tile_size + LABEL_BAND, tile_size, 3), 255, np.uint8))
        band = np.full((CAPTION_BAND, width, 3), 255, np.uint8)
        cv2.putText(band, caption, (2, CAPTION_BAND - 6), FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.concatenate([band, np.concatenate(tiles, axis=1)]))
    return np.concatenate(rows)
