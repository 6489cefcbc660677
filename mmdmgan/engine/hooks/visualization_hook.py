"""Periodic image grids of fixed captions: every stage and the memory attention of every word."""
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import master_only
from mmengine.hooks import Hook
from torch import Tensor

from mmdmgan.registry import HOOKS
from mmdmgan.utils import atomic_write_bytes, to_uint8

CAPTION_BAND = 22  # pixels above each row for the caption text
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


@HOOKS.register_module()
class DMGANVisualizationHook(Hook):
    """Every ``interval`` iterations, draw fixed captions with fixed noise as an image grid.

    Each row is one caption (its text written above the row); the columns are the images of
    every stage (64, 128, 256, resized to ``tile_size``) and then, for each word, the memory
    attention of the last refinement stage over the final image, labelled with the word.
    The PNG goes to ``<work_dir>/<out_dir>/iter_<n>.png`` (written atomically) and to the
    runner's visualizer (its TensorBoard backend when configured).

    Args:
        interval (int): Iterations between grids.
        prompts (Sequence[str]): The captions, encoded with the training set's vocabulary
            (unknown words are dropped with a warning).
        seed (int): Seed of the fixed noise and CA epsilon (the global RNG is not touched).
        sample_model (str, optional): ``'ema'`` (default when the model has EMA) or ``'orig'``.
        words_num (int): Longest caption kept (further words are cut).
        tile_size (int, optional): Tile side; defaults to the largest stage size.
        out_dir (str): Folder under the work dir.
    """

    priority = 'LOW'

    def __init__(self, interval: int, prompts: Sequence[str], seed: int = 0,
                 sample_model: Optional[str] = None, words_num: int = 32,
                 tile_size: Optional[int] = None, out_dir: str = 'vis') -> None:
        if interval < 1:
            raise ValueError(f'interval must be positive, got {interval}')
        if not prompts:
            raise ValueError('DMGANVisualizationHook needs at least one prompt')
        self.interval = interval
        self.prompts = list(prompts)
        self.seed = seed
        self.sample_model = sample_model
        self.words_num = words_num
        self.tile_size = tile_size
        self.out_dir = out_dir
        self._encoded = None

    def _encode(self, runner) -> tuple:
        vocabulary = getattr(runner.train_dataloader.dataset, 'vocabulary', None)
        if vocabulary is None:
            raise ValueError('DMGANVisualizationHook encodes its prompts with the training '
                             'dataset\'s vocabulary, but the dataset has none')
        encoded = [vocabulary.encode(prompt, self.words_num) for prompt in self.prompts]
        caption_ids = torch.stack([ids for ids, _ in encoded])
        caption_len = torch.tensor([length for _, length in encoded])
        words = [vocabulary.decode(ids[:length]).split() for ids, length in encoded]
        return caption_ids, caption_len, words

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner):
            self.draw(runner)

    @master_only
    def draw(self, runner) -> np.ndarray:
        """Sample the prompts, write the grid PNG and return the grid (RGB)."""
        if self._encoded is None:
            self._encoded = self._encode(runner)
        caption_ids, caption_len, words = self._encoded
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        device = next(model.generator.parameters()).device
        was_training = model.training
        model.eval()
        try:
            output = model.generate_from_tokens(caption_ids.to(device), caption_len.to(device),
                                                seed=self.seed, sample_model=self.sample_model)
        finally:
            model.train(was_training)
        attention = output.attention_maps[-1] if output.attention_maps else None
        tile_size = self.tile_size or output.images[-1].shape[-1]
        grid = build_grid(output.images, attention, self.prompts, words, tile_size)
        ok, png = cv2.imencode('.png', cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        if not ok:
            raise RuntimeError('OpenCV could not encode the visualisation grid as PNG')
        atomic_write_bytes(
            osp.join(runner.work_dir, self.out_dir, f'iter_{runner.iter + 1}.png'), png.tobytes())
        runner.visualizer.add_image('dmgan_samples', grid, step=runner.iter + 1)
        return grid
