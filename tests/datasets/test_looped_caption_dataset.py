from collections import Counter

import pytest

from mmdmgan.datasets import LoopedCaptionDataset, ShapesDataset

PIPELINE = [dict(type='SampleCaption', words_num=22, truncation='first', caption_index=0),
            dict(type='PackCaptionInputs')]


def shapes(num_images=4):
    return dict(type='ShapesDataset', num_images=num_images, image_size=32, split='test',
                mismatch='batch_shift', test_mode=True, pipeline=PIPELINE)


def test_every_round_visits_every_image_once_and_the_last_round_is_cut():
    dataset = LoopedCaptionDataset(shapes(4), num_samples=10, seed=3)
    assert len(dataset) == 10
    plan = [dataset.sample_plan(i) for i in range(10)]
    images = [image for image, _ in plan]
    assert sorted(images[:4]) == sorted(images[4:8]) == [0, 1, 2, 3]
    assert len(set(images[8:])) == 2
    assert images[:4] != images[4:8] or images[4:8] != list(range(4))  # shuffled rounds
    captions = Counter(caption for _, caption in plan)
    assert set(captions) <= set(range(5)) and len(captions) > 1  # random, not always caption 0


def test_items_are_deterministic_and_carry_the_planned_caption():
    first = LoopedCaptionDataset(shapes(4), num_samples=9, seed=1)
    again = LoopedCaptionDataset(ShapesDataset(**{k: v for k, v in shapes(4).items()
                                                  if k != 'type'}), num_samples=9, seed=1)
    for index in (8, 0, 5):  # any access order gives the same item
        image, caption = first.sample_plan(index)
        item = first[index]
        sample = item['data_samples']
        assert again[index]['data_samples'].prompt == sample.prompt
        info = first.dataset.annotation(image)
        assert sample.prompt == info['prompts'][caption]
        assert sample.img_key == info['img_key'] and sample.class_id == info['class_id']
        assert sample.metainfo['sample_idx'] == index
    other_seed = LoopedCaptionDataset(shapes(4), num_samples=9, seed=2)
    assert [other_seed.sample_plan(i) for i in range(9)] != [first.sample_plan(i)
                                                              for i in range(9)]


def test_unshuffled_single_pass_and_errors():
    dataset = LoopedCaptionDataset(shapes(3), num_samples=None, shuffle=False)
    assert len(dataset) == 3
    assert [dataset.sample_plan(i)[0] for i in range(3)] == [0, 1, 2]
    with pytest.raises(IndexError, match='out of range'):
        dataset.sample_plan(3)
    with pytest.raises(ValueError, match='num_samples'):
        LoopedCaptionDataset(shapes(3), num_samples=0)
    with pytest.raises(TypeError, match='caption dataset'):
        LoopedCaptionDataset(list(range(3)))
