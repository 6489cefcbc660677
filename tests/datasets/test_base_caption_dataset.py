import os

import numpy as np
import pytest
from data_fixtures import COCO_TRAIN

from mmdmgan.datasets import BaseCaptionDataset, COCODataset, DataItemError, Vocabulary

PIPELINE = [dict(type='LoadCaptionImage'), dict(type='SampleCaption', words_num=12)]


class TinyDataset(BaseCaptionDataset):
    """Two images given in code, to test the base class alone."""

    def load_image_infos(self):
        self.vocabulary = Vocabulary({0: '<end>', 1: 'bird', 2: 'fish'})
        return [dict(img_key='a', class_id=0, captions=[[1]], prompts=['bird'], img=None),
                dict(img_key='b', class_id=1, captions=[[2], [2, 1]], prompts=['fish',
                                                                            'fish bird'])]


def test_base_items_mismatch_and_expansion():
    dataset = TinyDataset(pipeline=[dict(type='SampleCaption', words_num=3)])
    assert dataset.class_ids.tolist() == [0, 1]
    item = dataset[0]
    assert item['wrong_img_key'] == 'b' and item['wrong_prompt'] in ('fish', 'fish bird')
    expanded = TinyDataset(one_item_per_caption=True, test_mode=True,
                           pipeline=[dict(type='SampleCaption', words_num=3)])
    assert [expanded[index]['prompt'] for index in range(3)] == ['bird', 'fish', 'fish bird']
    assert [expanded[index]['caption_index'] for index in range(3)] == [0, 0, 1]


def test_test_mode_mismatch_is_reproducible(coco_root):
    dataset = COCODataset(data_root=coco_root, test_mode=True,
                          pipeline=[dict(type='SampleCaption', words_num=12, caption_index=0)])
    assert [dataset[0]['wrong_img_key'] for _ in range(3)] == [dataset[0]['wrong_img_key']] * 3


def test_train_mode_skips_bad_items_at_random(coco_root, mmengine_logs):
    os.remove(os.path.join(coco_root, 'images', f'{COCO_TRAIN[0]}.jpg'))
    dataset = COCODataset(data_root=coco_root, pipeline=PIPELINE, skip_bad_items=True)
    np.random.seed(0)
    keys = {dataset[0]['img_key'] for _ in range(5)}
    assert keys <= set(COCO_TRAIN[1:]) and dataset.bad_item_count == 5
    assert f'{COCO_TRAIN[0]}.jpg not found' in mmengine_logs.text


def test_all_items_bad_stops_with_an_error(coco_root):
    for key in COCO_TRAIN:
        os.remove(os.path.join(coco_root, 'images', f'{key}.jpg'))
    dataset = COCODataset(data_root=coco_root, pipeline=PIPELINE, skip_bad_items=True,
                          max_refetch=4)
    with pytest.raises(DataItemError, match='5 bad items in a row'):
        dataset[0]


def test_subclass_contract():
    class NoVocabulary(BaseCaptionDataset):
        def load_image_infos(self):
            return []

    with pytest.raises(RuntimeError, match='must set self.vocabulary'):
        NoVocabulary()

    class NoImages(BaseCaptionDataset):
        def load_image_infos(self):
            self.vocabulary = Vocabulary.build([['bird']])
            return []

    with pytest.raises(ValueError, match=r"NoImages\(data_root='data/x'\): the split holds no "):
        NoImages(data_root='data/x')
    with pytest.raises(NotImplementedError, match='load_image_infos'):
        BaseCaptionDataset()
