import os
import pickle

import numpy as np
import pytest
import torch
from data_fixtures import (
    COCO_TEST,
    COCO_TRAIN,
    CUB_BBOXES,
    CUB_CLASSES,
    CUB_SIZE,
    CUB_TEST,
    CUB_TRAIN,
    make_fake_coco,
    make_fake_cub,
    py2_pickle,
    write_py2_pickle,
)

from mmdmgan.datasets import COCODataset, CUBDataset, Vocabulary, load_legacy_pickle, tokenize
from mmdmgan.datasets.attngan_dataset import build_captions_pickle, load_captions_pickle
from mmdmgan.registry import DATASETS
from mmdmgan.structures import DataSample


def train_pipeline(words_num):
    return [dict(type='LoadCaptionImage'), dict(type='CropAroundBBox'),
            dict(type='ResizeShorterSide', size=304), dict(type='RandomSquareCrop', size=256),
            dict(type='RandomHorizontalFlip'), dict(type='SampleCaption', words_num=words_num),
            dict(type='PackCaptionInputs')]


def test_python2_pickle_needs_latin1(tmp_path):
    data = py2_pickle(['na\xefve', {1: 'bird'}])
    with pytest.raises(UnicodeDecodeError):
        pickle.loads(data)  # what a plain Python-3 load of the reference's pickles does
    path = tmp_path / 'x.pickle'
    path.write_bytes(data)
    assert load_legacy_pickle(str(path)) == ['na\xefve', {1: 'bird'}]


def test_legacy_pickle_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pickle'):
        load_legacy_pickle(str(tmp_path / 'nothing.pickle'))
    broken = tmp_path / 'broken.pickle'
    broken.write_bytes(b'\x80\x02]q\x00(K\x01')
    with pytest.raises(ValueError, match='broken.pickle'):
        load_legacy_pickle(str(broken))


def test_cub_items_have_every_field(cub_root):
    dataset = DATASETS.build(dict(type='CUBDataset', data_root=cub_root, split='train',
                                  pipeline=train_pipeline(18)))
    assert len(dataset) == 3 and len(dataset.vocabulary) == 22
    assert dataset.vocabulary.ixtoword[22 - 1] == 'na\xefve'
    for index in range(len(dataset)):
        item = dataset[index]
        inputs, sample = item['inputs'], item['data_samples']
        assert isinstance(sample, DataSample)
        assert inputs.dtype == torch.uint8 and inputs.shape == (3, 256, 256)
        assert sample.img_key == CUB_TRAIN[index]
        assert sample.class_id == CUB_CLASSES['train'][index]
        assert sample.caption_ids.dtype == torch.long and sample.caption_ids.shape == (18,)
        assert 1 <= sample.caption_len <= 18
        assert (sample.caption_ids[:sample.caption_len] > 0).all()
        assert (sample.caption_ids[sample.caption_len:] == 0).all()
        assert isinstance(sample.prompt, str) and sample.prompt
        assert set(tokenize(dataset.vocabulary.decode(sample.caption_ids))) <= set(
            sample.prompt.split())
        # the mismatched caption comes from an image of the other class
        assert sample.wrong_caption_ids.shape == (18,) and 1 <= sample.wrong_caption_len <= 18
        assert isinstance(sample.wrong_prompt, str)
        assert sample.metainfo['img_path'].endswith(f'{CUB_TRAIN[index]}.jpg')


def test_cub_prompts_match_text_files(cub_root):
    dataset = CUBDataset(data_root=cub_root, split='test', test_mode=True)
    info = dataset.get_data_info(1)
    text_path = os.path.join(cub_root, 'text', f'{CUB_TEST[1]}.txt')
    with open(text_path, newline='') as file:
        lines = [line for line in file.read().splitlines() if line]
    assert info['prompts'] == lines and len(info['captions']) == 10
    assert info['bbox'] == list(CUB_BBOXES[len(CUB_TRAIN) + 1])


@pytest.mark.parametrize('image_number', range(5))
def test_cub_bbox_crop_from_pixels(cub_root, image_number):
    split = 'train' if image_number < len(CUB_TRAIN) else 'test'
    index = image_number if split == 'train' else image_number - len(CUB_TRAIN)
    dataset = CUBDataset(data_root=cub_root, split=split, mismatch='batch_shift',
                         pipeline=[dict(type='LoadCaptionImage'), dict(type='CropAroundBBox')])
    img = dataset[index]['img']
    x, y, w, h = CUB_BBOXES[image_number]
    half = int(max(w, h) * 0.75)
    cx, cy = int((2 * x + w) / 2), int((2 * y + h) / 2)
    x1, y1 = max(0, cx - half), max(0, cy - half)
    x2, y2 = min(CUB_SIZE[0], cx + half), min(CUB_SIZE[1], cy + half)
    assert img.shape == (y2 - y1, x2 - x1, 3)
    assert img[0, 0].tolist() == [x1, y1, 77]  # pixels hold their own coordinates
    assert img[-1, -1].tolist() == [x2 - 1, y2 - 1, 77]


def test_cub_test_mode_is_deterministic(cub_root):
    test_pipeline = [dict(type='LoadCaptionImage'), dict(type='CropAroundBBox'),
                     dict(type='ResizeShorterSide', size=304),
                     dict(type='CenterSquareCrop', size=256),
                     dict(type='SampleCaption', words_num=18, truncation='first',
                          caption_index=0),
                     dict(type='PackCaptionInputs')]
    dataset = CUBDataset(data_root=cub_root, split='test', test_mode=True,
                         pipeline=test_pipeline)
    first, second = dataset[0], dataset[0]
    assert torch.equal(first['inputs'], second['inputs'])
    for field in ('caption_ids', 'wrong_caption_ids'):
        assert torch.equal(first['data_samples'].get(field), second['data_samples'].get(field))
    # caption 0 is 25 words long: its first 18 words at test time
    expected = dataset.vocabulary.tokens_to_ids(
        dataset.get_data_info(0)['prompts'][0].split())[0][:18]
    assert first['data_samples'].caption_ids.tolist() == expected


def test_mismatched_captions_come_from_another_class(cub_root):
    dataset = CUBDataset(data_root=cub_root, split='train',
                         pipeline=[dict(type='SampleCaption', words_num=18)])
    for _ in range(10):
        for index in range(len(dataset)):
            item = dataset[index]
            assert item['wrong_class_id'] != item['class_id']
            other = CUB_TRAIN.index(item['wrong_img_key'])
            assert CUB_CLASSES['train'][other] != CUB_CLASSES['train'][index]
            assert item['wrong_prompt'] in dataset.get_data_info(other)['prompts']


def test_batch_shift_adds_no_wrong_caption(cub_root):
    dataset = CUBDataset(data_root=cub_root, mismatch='batch_shift',
                         pipeline=[dict(type='SampleCaption', words_num=18)])
    assert 'wrong_caption_ids' not in dataset[0]
    with pytest.raises(ValueError, match='mismatch'):
        CUBDataset(data_root=cub_root, mismatch='shift')


def test_one_item_per_caption(cub_root):
    dataset = CUBDataset(data_root=cub_root, split='test', one_item_per_caption=True,
                         test_mode=True, pipeline=[dict(type='SampleCaption', words_num=18,
                                                        truncation='first')])
    assert len(dataset) == 2 * 10
    prompts = [dataset[index]['prompt'] for index in range(10)]
    assert prompts == dataset.get_data_info(0)['prompts']


def test_captions_pickle_is_built_from_text_when_missing(tmp_path, mmengine_logs):
    root = str(tmp_path / 'birds')
    captions = make_fake_cub(root, with_pickle=False)
    dataset = CUBDataset(data_root=root, split='train')
    assert os.path.isfile(os.path.join(root, 'captions.pickle'))
    assert any('building it from' in message for message in mmengine_logs.messages)
    train, test, vocabulary = load_captions_pickle(os.path.join(root, 'captions.pickle'))
    assert len(train) == 30 and len(test) == 20 and vocabulary.ixtoword[0] == '<end>'
    info = dataset.get_data_info(2)
    assert info['prompts'] == [' '.join(tokenize(text)) for text in captions[CUB_TRAIN[2]]]
    with open(os.path.join(root, 'captions.pickle'), 'rb') as file:
        assert file.read(2) == b'\x80\x02'  # protocol 2, readable by the reference


def test_build_captions_pickle_handles_crlf_mojibake_and_short_files(tmp_path, mmengine_logs):
    root = str(tmp_path / 'coco')
    make_fake_coco(root, with_pickle=False)
    text_path = os.path.join(root, 'text', f'{COCO_TRAIN[0]}.txt')
    with open(text_path, 'wb') as file:
        file.write('\ufeffA naÃ¯ve RED bird\r\n\r\n\xff\xfe broken bytes bird\r\n'.encode())
    path = build_captions_pickle(root, 5)
    train, _, vocabulary = load_captions_pickle(path)
    assert [vocabulary.decode(ids) for ids in train[:5]] == [
        'a nave red bird', 'broken bytes bird', 'a nave red bird', 'broken bytes bird',
        'a nave red bird']
    assert any('has 2 captions, expected 5' in message for message in mmengine_logs.messages)
    assert '\r' not in ''.join(vocabulary.wordtoix)
    with open(text_path, 'ab') as file:
        file.write(b'a \xff bird\r\n')  # Latin-1 bytes: an error naming the line, no U+FFFD
    with pytest.raises(ValueError, match=f'{COCO_TRAIN[0]}.txt line 4: not UTF-8'):
        build_captions_pickle(root, 5)


def test_captions_file_name_is_configurable(cub_root):
    os.rename(os.path.join(cub_root, 'captions.pickle'),
              os.path.join(cub_root, 'captions_DAMSM.pickle'))
    dataset = CUBDataset(data_root=cub_root, captions_file='captions_DAMSM.pickle')
    assert len(dataset.vocabulary) == 22
    assert not os.path.exists(os.path.join(cub_root, 'captions.pickle'))


def test_missing_caption_file_is_named(tmp_path):
    root = str(tmp_path / 'coco')
    make_fake_coco(root, with_pickle=False)
    os.remove(os.path.join(root, 'text', f'{COCO_TEST[1]}.txt'))
    with pytest.raises(FileNotFoundError, match=f'{COCO_TEST[1]}.txt'):
        COCODataset(data_root=root)


def test_coco_items(coco_root):
    dataset = COCODataset(data_root=coco_root, split='test', pipeline=train_pipeline(12))
    assert len(dataset) == 2
    item = dataset[1]
    sample = item['data_samples']
    assert item['inputs'].shape == (3, 256, 256)
    assert sample.img_key == COCO_TEST[1] and sample.class_id == 1  # class = item index
    assert sample.caption_ids.shape == (12,) and sample.wrong_caption_ids.shape == (12,)
    assert 'bbox' not in dataset.get_data_info(0)


def test_missing_and_corrupt_images(coco_root, mmengine_logs):
    os.remove(os.path.join(coco_root, 'images', f'{COCO_TRAIN[0]}.jpg'))
    with open(os.path.join(coco_root, 'images', f'{COCO_TRAIN[1]}.jpg'), 'wb') as file:
        file.write(b'not an image')
    pipeline = train_pipeline(12)
    dataset = COCODataset(data_root=coco_root, pipeline=pipeline)
    with pytest.raises(Exception, match=f'{COCO_TRAIN[0]}.jpg not found'):
        dataset[0]
    with pytest.raises(Exception, match=f'cannot read image .*{COCO_TRAIN[1]}.jpg'):
        dataset[1]
    skipping = COCODataset(data_root=coco_root, pipeline=pipeline, skip_bad_items=True,
                           test_mode=True)
    item = skipping[0]  # moves on to the next good item in test mode
    assert item['data_samples'].img_key == COCO_TRAIN[2]
    assert skipping.bad_item_count == 2
    assert sum('skipped bad item' in message for message in mmengine_logs.messages) == 2


def test_inconsistent_pickles_are_explained(cub_root):
    write_py2_pickle(os.path.join(cub_root, 'train', 'class_info.pickle'), [1, 2])
    with pytest.raises(ValueError, match='class_info.pickle has 2 entries'):
        CUBDataset(data_root=cub_root)
    with pytest.raises(ValueError, match='captions_per_image'):
        CUBDataset(data_root=cub_root, split='test', captions_per_image=5)
    with pytest.raises(ValueError, match='split'):
        CUBDataset(data_root=cub_root, split='val')


def test_pickle_vocabulary_round_trip(cub_root, tmp_path):
    _, _, vocabulary = load_captions_pickle(os.path.join(cub_root, 'captions.pickle'))
    vocabulary.save(str(tmp_path / 'vocab.json'))
    loaded = Vocabulary.load(str(tmp_path / 'vocab.json'))
    assert loaded.ixtoword == vocabulary.ixtoword and loaded.wordtoix == vocabulary.wordtoix
    assert np.all([loaded.wordtoix[loaded.ixtoword[i]] == i for i in range(len(loaded))])
