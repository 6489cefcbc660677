"""Periodic image grids of fixed captions: every stage and the memory attention of every word."""
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook

from mmdmgan.registry import HOOKS
from mmdmgan.utils import atomic_write_bytes, get_valid_model
from mmdmgan.visualization import build_grid


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
        seed (int): Seed of the fixed noise and CA epsilon (the global RNG is not touched):
            row ``i`` is image ``i`` of ``model.infer(prompts, seed=seed)``.
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
        caption_len = torch.tensor([length for _, length in encoded])
        # Padded to the longest prompt only, as infer pads: the same tensors, the same images.
        caption_ids = torch.stack([ids for ids, _ in encoded])[:, :int(caption_len.max())]
        words = [vocabulary.decode(ids[:length]).split() for ids, length in encoded]
        return caption_ids, caption_len, words

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner):
            self.draw(runner)

    def sample(self, runner):
        """The prompts' images (a ``GeneratorOutput``): row ``i`` is image ``i`` of
        ``model.infer(prompts, seed=seed)``, whatever the model's mode and the global RNG."""
        if self._encoded is None:
            self._encoded = self._encode(runner)
        caption_ids, caption_len, _ = self._encoded
        model = get_valid_model(runner.model)
        device = next(model.generator.parameters()).device
        was_training = model.training
        model.eval()
        try:
            return model.generate_from_tokens(caption_ids.to(device), caption_len.to(device),
                                              seed=self.seed, sample_model=self.sample_model)
        finally:
            model.train(was_training)

    @master_only
    def draw(self, runner) -> np.ndarray:
        """Sample the prompts, write the grid PNG and return the grid (RGB)."""
        output = self.sample(runner)
        words = self._encoded[2]
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
