"""What every captioned-image dataset shares: mismatched captions, bad-item policy,
one-item-per-caption expansion and the vocabulary."""
import logging
from typing import List, Optional, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmdmgan.datasets.errors import DataItemError
from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.registry import TRANSFORMS

MISMATCH_MODES = ('other_class', 'batch_shift')


class BaseCaptionDataset(BaseDataset):
    """Base of the caption datasets; subclasses implement :meth:`load_image_infos`.

    Each image info is a dict with ``img_key`` (str), ``class_id`` (int), ``captions``
    (list of token-id lists), ``prompts`` (their texts) and, when the image is a file,
    ``img_path`` (and ``bbox`` for CUB). The pipeline turns it into the packed item.

    Mismatched captions, the "wrong" text of the discriminator's mismatched-pair loss:

    - ``'other_class'``: each item also carries the captions of a random image of another
      class (``wrong_captions`` ...), as the reference does for its R-precision
      negatives. The pair is truly mismatched even when a batch holds two images of the
      same class.
    - ``'batch_shift'``: the dataset adds nothing; the data preprocessor pairs image *i*
      with the caption of image *i+1* of the batch, which is what the reference's
      discriminator loss does (it may pair two birds of the same class).

    A subclass may add modes to :attr:`mismatch_modes` and attach them in
    :meth:`_attach_mismatch`.

    Args:
        mismatch (str): One of :attr:`mismatch_modes`: ``'other_class'`` or
            ``'batch_shift'`` here.
        skip_bad_items (bool): Skip items whose files are missing or corrupt (counted in
            the log) instead of failing with an error naming the file.
        one_item_per_caption (bool): Expand every image into one item per caption, with
            the caption fixed (evaluation over all captions).
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset` (``data_root``,
            ``pipeline``, ``test_mode``, ``indices``, ``lazy_init`` ...).
    """

    mismatch_modes: Tuple[str, ...] = MISMATCH_MODES

    def __init__(self, mismatch: str = 'other_class', skip_bad_items: bool = False,
                 one_item_per_caption: bool = False, **kwargs) -> None:
        if mismatch not in self.mismatch_modes:
            raise ValueError(f'{type(self).__name__}: mismatch must be one of '
                             f'{self.mismatch_modes}, got {mismatch!r}')
        self.mismatch = mismatch
        self.skip_bad_items = skip_bad_items
        self.one_item_per_caption = one_item_per_caption
        self.bad_item_count = 0
        self.vocabulary: Optional[Vocabulary] = None
        self.class_ids = np.zeros(0, dtype=np.int64)
        kwargs.setdefault('ann_file', '')
        # Built from our registry so the datasets work without ``default_scope='mmdmgan'``.
        kwargs['pipeline'] = [TRANSFORMS.build(transform) if isinstance(transform, dict)
                              else transform for transform in kwargs.get('pipeline', [])]
        super().__init__(**kwargs)

    def load_image_infos(self) -> List[dict]:
        """Read the annotations: one info dict per image (see the class docstring)."""
        raise NotImplementedError(f'{type(self).__name__} must implement load_image_infos')

    def load_data_list(self) -> List[dict]:
        infos = self.load_image_infos()
        if self.vocabulary is None:
            raise RuntimeError(f'{type(self).__name__}.load_image_infos must set '
                               'self.vocabulary')
        if not infos:
            # MMEngine would fail later with "need at least one array to concatenate".
            raise ValueError(f'{type(self).__name__}(data_root={self.data_root!r}): the split '
                             'holds no image; check its split / filenames file '
                             '(tools/data/check_dataset.py lists what is wrong)')
        if not self.one_item_per_caption:
            return infos
        return [dict(info, caption_index=index)
                for info in infos for index in range(len(info['captions']))]

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        super().full_init()
        self.class_ids = np.array([self.annotation(index)['class_id']
                                   for index in range(len(self))], dtype=np.int64)
        if (self.mismatch == 'other_class' and len(self) > 1
                and len(np.unique(self.class_ids)) < 2):
            raise ValueError(f'{type(self).__name__}: mismatch="other_class" needs at least two '
                             'classes, but every item has the same class_id; use '
                             'mismatch="batch_shift" or give class ids')

    def annotation(self, index: int) -> dict:
        """The stored info of an item, without the extras a subclass's ``get_data_info``
        may add (e.g. the rendered image of the shapes)."""
        return BaseDataset.get_data_info(self, index)

    def _item_rng(self, index: int) -> np.random.Generator:
        """Test items are reproducible per index; training draws from the global generator
        (which MMEngine seeds per worker)."""
        seed = index if self.test_mode else np.random.randint(2**31)
        return np.random.default_rng(seed)

    def _attach_mismatch(self, index: int, data_info: dict) -> None:
        """Add the ``wrong_captions``, ``wrong_prompts``, ``wrong_img_key`` and
        ``wrong_class_id`` of the mismatched text to ``data_info`` (``'other_class'``; the
        data preprocessor makes the ``'batch_shift'`` ones)."""
        if self.mismatch != 'other_class' or len(self) < 2:
            return
        rng = self._item_rng(index)
        own_class = self.class_ids[index]
        for _ in range(100):
            other = int(rng.integers(len(self)))
            if self.class_ids[other] != own_class:
                break
        else:  # one class dominates: draw among the others explicitly
            other = int(rng.choice(np.flatnonzero(self.class_ids != own_class)))
        wrong = self.annotation(other)
        data_info.update(wrong_captions=wrong['captions'], wrong_prompts=wrong['prompts'],
                         wrong_img_key=wrong['img_key'], wrong_class_id=wrong['class_id'])

    def prepare_data(self, idx: int) -> Optional[dict]:
        data_info = self.get_data_info(idx)
        self._attach_mismatch(idx, data_info)
        try:
            return self.pipeline(data_info)
        except DataItemError as error:
            if not self.skip_bad_items:
                raise
            self.bad_item_count += 1
            print_log(f'skipped bad item {idx} ({self.bad_item_count} skipped so far in this '
                      f'process): {error}', logger='current', level=logging.WARNING)
            return None

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        for _ in range(self.max_refetch + 1):
            data = self.prepare_data(idx)
            if data is not None:
                return data
            # Test items move on deterministically; training items re-draw at random.
            idx = (idx + 1) % len(self) if self.test_mode else self._rand_another()
        raise DataItemError(f'{type(self).__name__}: {self.max_refetch + 1} bad items in a row; '
                            'the dataset folder is probably wrong (see the warnings above)')
