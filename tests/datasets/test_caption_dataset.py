import json
import os

import numpy as np
import pytest
from PIL import Image

from mmdmgan.datasets import CaptionDataset, Vocabulary, build_vocabulary_from_jsonl
from mmdmgan.datasets.caption_dataset import read_captions_jsonl, read_split_file

RECORDS = [
    dict(image='a.jpg', captions=['A red bird on a branch', 'a small red bird'], class_id=0),
    dict(image='b.png', captions=['a blue fish'], class_id=1),
    dict(image='c.jpg', captions='a green frog sitting'),  # single string, no class id
]


def make_folder(root, records=RECORDS, split=('a.jpg', 'c.jpg')):
    os.makedirs(os.path.join(root, 'images'), exist_ok=True)
    for number, record in enumerate(records):
        colour = np.full((40 + number, 50, 3), 60 * number, dtype=np.uint8)
        Image.fromarray(colour).save(os.path.join(root, 'images', record['image']),
                                     format='PNG')
    with open(os.path.join(root, 'captions.jsonl'), 'w', newline='') as file:
        file.write(''.join(json.dumps(record) + '\r\n' for record in records) + '\n')
    with open(os.path.join(root, 'train.txt'), 'w', newline='') as file:
        file.write('\r\n'.join(split) + '\r\n')
    return root


def test_jsonl_layout_items(tmp_path):
    root = make_folder(str(tmp_path))
    pipeline = [dict(type='LoadCaptionImage'), dict(type='ResizeShorterSide', size=76),
                dict(type='CenterSquareCrop', size=64),
                dict(type='SampleCaption', words_num=4, truncation='first', caption_index=0),
                dict(type='PackCaptionInputs')]
    dataset = CaptionDataset(root, split_file='train.txt', pipeline=pipeline, test_mode=True)
    assert len(dataset) == 2
    item = dataset[1]
    sample = item['data_samples']
    assert item['inputs'].shape == (3, 64, 64)
    assert sample.img_key == 'c.jpg' and sample.prompt == 'a green frog sitting'
    assert sample.class_id == 2  # the line position when class_id is absent
    assert dataset.vocabulary.decode(sample.caption_ids) == 'a green frog sitting'
    assert sample.wrong_prompt in RECORDS[0]['captions']  # the only other class in the split
    whole = CaptionDataset(root, mismatch='batch_shift')
    assert [whole.get_data_info(i)['img_key'] for i in range(3)] == ['a.jpg', 'b.png', 'c.jpg']


def test_vocabulary_covers_all_captions_and_is_saved(tmp_path, mmengine_logs):
    root = make_folder(str(tmp_path))
    vocabulary = build_vocabulary_from_jsonl(os.path.join(root, 'captions.jsonl'))
    assert 'fish' in vocabulary and 'frog' in vocabulary and vocabulary.ixtoword[0] == '<end>'
    dataset = CaptionDataset(root, split_file='train.txt', vocabulary_file='vocab.json')
    assert os.path.isfile(os.path.join(root, 'vocab.json'))
    assert any('vocab.json not found: built it' in message for message in mmengine_logs.messages)
    assert Vocabulary.load(os.path.join(root, 'vocab.json')) == dataset.vocabulary == vocabulary


def test_given_vocabulary_drops_unknown_words_and_captions(tmp_path):
    root = make_folder(str(tmp_path))
    Vocabulary.build([['a', 'red', 'bird']]).save(os.path.join(root, 'vocab.json'))
    dataset = CaptionDataset(root, split_file='train.txt', vocabulary_file='vocab.json',
                             skip_bad_items=True)
    info = dataset.get_data_info(0)
    assert [dataset.vocabulary.decode(ids) for ids in info['captions']] == ['a red bird a',
                                                                           'a red bird']
    # c.jpg keeps its caption: 'a' is known
    assert dataset.get_data_info(1)['captions'] == [[1]]
    Vocabulary.build([['zebra']]).save(os.path.join(root, 'vocab.json'))
    with pytest.raises(ValueError, match="image 'a.jpg' has no caption"):
        CaptionDataset(root, split_file='train.txt', vocabulary_file='vocab.json')


def test_bad_jsonl_lines_are_named_or_skipped(tmp_path, mmengine_logs):
    path = tmp_path / 'captions.jsonl'
    path.write_text('{"image": "a.jpg", "captions": ["a bird"]}\n{"image": "b.jpg"}\nnot json\n')
    with pytest.raises(ValueError, match='captions.jsonl line 2'):
        read_captions_jsonl(str(path))
    records = read_captions_jsonl(str(path), skip_bad_items=True)
    assert [record['image'] for record in records] == ['a.jpg']
    assert any('skipped 2 bad lines' in message for message in mmengine_logs.messages)
    with pytest.raises(FileNotFoundError, match='nothing.jsonl'):
        read_captions_jsonl(str(tmp_path / 'nothing.jsonl'))


def test_split_file_with_unknown_image(tmp_path):
    root = make_folder(str(tmp_path), split=('a.jpg', 'zzz.jpg'))
    with pytest.raises(ValueError, match='train.txt lists 1 images without a line'):
        CaptionDataset(root, split_file='train.txt')
    assert len(CaptionDataset(root, split_file='train.txt', skip_bad_items=True)) == 1
    with pytest.raises(FileNotFoundError, match='val.txt'):
        CaptionDataset(root, split_file='val.txt')


def test_single_class_needs_batch_shift(tmp_path):
    records = [dict(image=f'{name}.png', captions=['a bird'], class_id=3) for name in 'xy']
    root = make_folder(str(tmp_path), records=records, split=('x.png',))
    with pytest.raises(ValueError, match='batch_shift'):
        CaptionDataset(root)
    assert len(CaptionDataset(root, mismatch='batch_shift')) == 2


def test_duplicate_image_lines_are_named_not_merged_silently(tmp_path, mmengine_logs):
    path = tmp_path / 'captions.jsonl'
    path.write_text('{"image": "a.jpg", "captions": ["a red bird"]}\n'
                    '{"image": "b.jpg", "captions": ["a fish"]}\n'
                    '{"image": "a.jpg", "captions": ["a blue bird"]}\n')
    with pytest.raises(ValueError, match=r"captions.jsonl line 3: image 'a.jpg' is already on "
                                         'line 1'):
        read_captions_jsonl(str(path))
    records = read_captions_jsonl(str(path), skip_bad_items=True)
    assert [record['captions'] for record in records] == [['a red bird'], ['a fish']]
    assert any('line 3' in message for message in mmengine_logs.messages)


def test_non_utf8_lines_are_errors_naming_file_and_line(tmp_path):
    root = make_folder(str(tmp_path))
    with open(os.path.join(root, 'captions.jsonl'), 'ab') as file:
        file.write(b'{"image": "d.jpg", "captions": ["caf\xe9 bird"]}\n')
    with pytest.raises(ValueError, match=r'captions.jsonl line 5: not UTF-8 .*iconv'):
        CaptionDataset(root, split_file='train.txt')
    assert len(CaptionDataset(root, split_file='train.txt', skip_bad_items=True)) == 2
    with open(os.path.join(root, 'train.txt'), 'ab') as file:
        file.write(b'b\xe9.png\r\n')
    with pytest.raises(ValueError, match=r'train.txt line 3: not UTF-8'):
        read_split_file(os.path.join(root, 'train.txt'))


def test_empty_or_repeating_split_file_is_named(tmp_path):
    root = make_folder(str(tmp_path), split=())
    with pytest.raises(ValueError, match=r'split file .*train.txt lists no image'):
        CaptionDataset(root, split_file='train.txt')
    with pytest.raises(ValueError, match=r'CaptionDataset\(data_root=.*holds no image'):
        CaptionDataset(root, split_file='train.txt', skip_bad_items=True)
    root = make_folder(str(tmp_path / 'twice'), split=('a.jpg', 'c.jpg', 'a.jpg'))
    with pytest.raises(ValueError, match=r"train.txt line 3: 'a.jpg' is already listed on line 1"):
        CaptionDataset(root, split_file='train.txt')


def test_dropped_captions_are_logged_with_their_lines(tmp_path, mmengine_logs):
    records = RECORDS[:2] + [dict(image='c.jpg', captions=['a green frog', '¡¿ …'])]
    root = make_folder(str(tmp_path), records=records)
    dataset = CaptionDataset(root, split_file='train.txt')
    assert dataset.get_data_info(1)['prompts'] == ['a green frog']
    assert any("dropped 1 captions without any vocabulary word (line 3: '¡¿ …')" in message
               for message in mmengine_logs.messages)
