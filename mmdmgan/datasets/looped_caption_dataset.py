"""The evaluation protocol of text-to-image GANs: N samples looping over the test images."""
import copy
from typing import Optional, Tuple, Union

import numpy as np

from mmdmgan.registry import DATASETS

from .base_caption_dataset import BaseCaptionDataset


@DATASETS.register_module()
class LoopedCaptionDataset:
    """``num_samples`` evaluation items, looping over the images of a caption dataset.

    The reference evaluates on 30,000 generated images although the test splits are smaller
    (CUB 2,933 images, COCO 40,470): it iterates its shuffled test loader round after round,
    each image with one random caption of its own, until 30,000 samples are made. This
    wrapper makes that protocol deterministic:

    - sample ``i`` lies in round ``r = i // n`` (``n`` images); every round visits every image
      once, in the order of a permutation seeded by ``(seed, r)`` (``shuffle=True``) or in
      dataset order; the last round is cut at ``num_samples``;
    - its caption index is drawn from ``numpy.random.default_rng((seed, i))``, so the same
      ``i`` always gives the same image and caption, whatever the number of GPUs, workers or
      interruptions.

    Items are the wrapped dataset's pipeline output for that image with the caption fixed
    (``caption_index`` overrides the ``SampleCaption`` choice), with ``sample_idx`` = ``i``.
    Mismatched captions are not attached: evaluation does not use them. Set ``num_samples``
    to ``None`` for one pass over the images (still one random caption each).

    Args:
        dataset (dict | BaseCaptionDataset): The test split, one item per image (not
            ``one_item_per_caption``).
        num_samples (int, optional): Number of items. Defaults to 30000 (the papers' protocol).
        seed (int): Seed of the image order and the caption choice.
        shuffle (bool): Visit the images of each round in a seeded random order (as the
            reference's shuffled loader) instead of dataset order.
    """

    def __init__(self, dataset: Union[dict, BaseCaptionDataset],
                 num_samples: Optional[int] = 30000, seed: int = 0,
                 shuffle: bool = True) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if not isinstance(self.dataset, BaseCaptionDataset):
            raise TypeError('LoopedCaptionDataset wraps a caption dataset (BaseCaptionDataset), '
                            f'got {type(self.dataset).__name__}')
        if num_samples is not None and num_samples < 1:
            raise ValueError(f'num_samples must be positive or None, got {num_samples}')
        self.num_samples = num_samples
        self.seed = seed
        self.shuffle = shuffle
        self._round_orders = {}

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    @property
    def vocabulary(self):
        return self.dataset.vocabulary

    def full_init(self) -> None:
        self.dataset.full_init()
        if len(self.dataset) == 0:
            raise ValueError('LoopedCaptionDataset: the wrapped dataset has no images')

    def __len__(self) -> int:
        self.full_init()
        return len(self.dataset) if self.num_samples is None else self.num_samples

    def _round_order(self, round_index: int) -> np.ndarray:
        if round_index not in self._round_orders:
            num_images = len(self.dataset)
            self._round_orders = {round_index: (
                np.random.default_rng((self.seed, round_index)).permutation(num_images)
                if self.shuffle else np.arange(num_images))}
        return self._round_orders[round_index]

    def sample_plan(self, index: int) -> Tuple[int, int]:
        """``(image index, caption index)`` of evaluation sample ``index``."""
        if not 0 <= index < len(self):
            raise IndexError(f'sample index {index} out of range [0, {len(self)})')
        round_index, position = divmod(index, len(self.dataset))
        image_index = int(self._round_order(round_index)[position])
        num_captions = len(self.dataset.annotation(image_index)['captions'])
        if num_captions == 0:
            raise ValueError(f'image {image_index} of the test set has no captions')
        caption_index = int(np.random.default_rng((self.seed, index)).integers(num_captions))
        return image_index, caption_index

    def __getitem__(self, index: int) -> dict:
        image_index, caption_index = self.sample_plan(index)
        data_info = self.dataset.get_data_info(image_index)
        data_info.update(caption_index=caption_index, sample_idx=index)
        return self.dataset.pipeline(data_info)
