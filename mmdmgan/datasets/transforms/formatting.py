"""Packing of a pipeline result into ``inputs`` and a :class:`DataSample`."""
from typing import Sequence

import numpy as np
import torch

from mmdmgan.registry import TRANSFORMS
from mmdmgan.structures import DataSample

#: Data fields copied from the results into the DataSample when present.
CAPTION_FIELDS = ('prompt', 'caption_ids', 'caption_len', 'class_id', 'img_key',
                  'wrong_caption_ids', 'wrong_caption_len', 'wrong_prompt')


@TRANSFORMS.register_module()
class PackCaptionInputs:
    """Make ``dict(inputs=uint8 tensor 3×H×W, data_samples=DataSample)``.

    The DataSample carries ``prompt`` (str), ``caption_ids`` (LongTensor[T]),
    ``caption_len`` (int), ``class_id`` (int), ``img_key`` (str) and, when the dataset
    draws mismatched captions, ``wrong_caption_ids``, ``wrong_caption_len`` and
    ``wrong_prompt``. ``meta_keys`` found in the results become metainfo.

    Args:
        meta_keys (Sequence[str]): Result keys stored as metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = ('img_path', 'ori_shape', 'sample_idx',
                                                   'caption_index', 'flip')) -> None:
        self.meta_keys = tuple(meta_keys)

    def __call__(self, results: dict) -> dict:
        img = np.ascontiguousarray(results['img'])
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f'PackCaptionInputs expects an H×W×3 uint8 image, got shape '
                             f'{img.shape} dtype {img.dtype} for {results.get("img_key")!r}')
        if not img.flags.writeable:  # e.g. np.asarray of a PIL image; torch needs writable
            img = img.copy()
        inputs = torch.from_numpy(img).permute(2, 0, 1).contiguous()
        data_sample = DataSample()
        for field in CAPTION_FIELDS:
            if field in results:
                value = results[field]
                if field in ('caption_len', 'wrong_caption_len', 'class_id'):
                    value = int(value)
                data_sample.set_field(value, field)
        data_sample.set_metainfo({key: results[key] for key in self.meta_keys if key in results})
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
