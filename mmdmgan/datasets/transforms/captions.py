"""Choice of one caption per item and its conversion to fixed-length token ids."""
from typing import Optional

import numpy as np

from mmdmgan.datasets.vocabulary import fit_caption_length
from mmdmgan.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SampleCaption:
    """Pick one of an item's captions and pad / shorten its token ids to ``words_num``.

    Reads ``captions`` (list of token-id lists) and ``prompts`` (their texts); writes
    ``caption_ids`` (LongTensor[T]), ``caption_len``, ``prompt`` and ``caption_index``.
    When the dataset attached a mismatched item (``wrong_captions`` / ``wrong_prompts``)
    the same is done for it into ``wrong_caption_ids``, ``wrong_caption_len``,
    ``wrong_prompt``.

    Args:
        words_num (int): Fixed caption length T (18 CUB, 12 COCO).
        truncation (str): ``'random'`` keeps a random order-preserving subset of the words
            of long captions (training, as the reference), ``'first'`` the first T words.
        caption_index (int, optional): Always use this caption (modulo the number of
            captions); ``None`` draws one at random unless the dataset fixed
            ``results['caption_index']`` (one item per caption).
    """

    def __init__(self, words_num: int, truncation: str = 'random',
                 caption_index: Optional[int] = None) -> None:
        if truncation not in ('random', 'first'):
            raise ValueError(f"truncation must be 'random' or 'first', got {truncation!r}")
        self.words_num = words_num
        self.truncation = truncation
        self.caption_index = caption_index

    def _choose(self, count: int, fixed: Optional[int]) -> int:
        if fixed is not None:
            return fixed % count
        return int(np.random.randint(count))

    def _encode(self, captions: list, prompts: list, index: int, key: str) -> tuple:
        mode = 'train' if self.truncation == 'random' else 'test'
        try:
            ids, length = fit_caption_length(captions[index], self.words_num, mode)
        except ValueError as error:
            raise ValueError(f'caption {index} of item {key!r} is unusable: {error}') from error
        return ids, length, prompts[index]

    def __call__(self, results: dict) -> dict:
        key = results.get('img_key', '')
        captions, prompts = results['captions'], results['prompts']
        if not captions:
            raise ValueError(f'item {key!r} has no captions')
        fixed = results.get('caption_index', self.caption_index)
        index = self._choose(len(captions), fixed)
        ids, length, prompt = self._encode(captions, prompts, index, key)
        results.update(caption_ids=ids, caption_len=length, prompt=prompt, caption_index=index)
        if 'wrong_captions' in results:
            wrong_index = self._choose(len(results['wrong_captions']), self.caption_index)
            ids, length, prompt = self._encode(results['wrong_captions'],
                                               results['wrong_prompts'], wrong_index,
                                               results.get('wrong_img_key', ''))
            results.update(wrong_caption_ids=ids, wrong_caption_len=length, wrong_prompt=prompt)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(words_num={self.words_num}, '
                f'truncation={self.truncation!r}, caption_index={self.caption_index})')
