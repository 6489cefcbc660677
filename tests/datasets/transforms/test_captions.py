import pytest
import torch

from mmdmgan.datasets.transforms import SampleCaption

CAPTIONS = [[1, 2, 3], list(range(1, 11))]
PROMPTS = ['a b c', 'long caption']


def test_fixed_caption_and_padding():
    results = SampleCaption(words_num=5, truncation='first', caption_index=0)(
        dict(captions=CAPTIONS, prompts=PROMPTS))
    assert results['caption_ids'].tolist() == [1, 2, 3, 0, 0] and results['caption_len'] == 3
    assert results['prompt'] == 'a b c' and results['caption_index'] == 0
    assert 'wrong_caption_ids' not in results


def test_long_caption_rules():
    first = SampleCaption(words_num=4, truncation='first', caption_index=1)(
        dict(captions=CAPTIONS, prompts=PROMPTS))
    assert first['caption_ids'].tolist() == [1, 2, 3, 4]
    seen = set()
    for _ in range(20):
        ids = SampleCaption(words_num=4, caption_index=1)(
            dict(captions=CAPTIONS, prompts=PROMPTS))['caption_ids'].tolist()
        assert ids == sorted(ids) and len(set(ids)) == 4
        seen.add(tuple(ids))
    assert len(seen) > 1


def test_random_choice_dataset_index_and_wrong_caption():
    chosen = {SampleCaption(words_num=12)(dict(captions=CAPTIONS, prompts=PROMPTS))['prompt']
              for _ in range(30)}
    assert chosen == set(PROMPTS)
    results = SampleCaption(words_num=12)(dict(captions=CAPTIONS, prompts=PROMPTS,
                                               caption_index=3, wrong_captions=[[7, 8]],
                                               wrong_prompts=['g h']))
    assert results['prompt'] == 'long caption'  # 3 mod 2 captions
    assert results['wrong_caption_ids'].dtype == torch.long
    assert results['wrong_caption_ids'][:2].tolist() == [7, 8]
    assert results['wrong_caption_len'] == 2 and results['wrong_prompt'] == 'g h'


def test_errors():
    with pytest.raises(ValueError, match='truncation'):
        SampleCaption(words_num=4, truncation='last')
    with pytest.raises(ValueError, match="item 'k' has no captions"):
        SampleCaption(words_num=4)(dict(captions=[], prompts=[], img_key='k'))
    with pytest.raises(ValueError, match="caption 0 of item 'k'"):
        SampleCaption(words_num=4)(dict(captions=[[]], prompts=[''], img_key='k'))
