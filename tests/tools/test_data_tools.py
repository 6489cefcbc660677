"""The scripts under tools/data/, run through their ``main(argv)`` (and once as a script)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from data_fixtures import COCO_TRAIN, CUB_TRAIN, make_fake_coco, write_py2_pickle
from PIL import Image

from mmdmgan.datasets import Vocabulary
from mmdmgan.datasets.attngan_dataset import load_captions_pickle
from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.datasets.vocabulary import tokenize
from tests.conftest import load_script

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_tool(name):
    return load_script(f'tools/data/{name}.py')


def test_check_dataset_reports_missing_files(cub_root, capsys):
    check = load_tool('check_dataset')
    assert check.main([cub_root]) == 0
    assert capsys.readouterr().out.strip().endswith('(cub): complete')
    os.remove(os.path.join(cub_root, 'CUB_200_2011', 'images', f'{CUB_TRAIN[1]}.jpg'))
    os.remove(os.path.join(cub_root, 'test', 'class_info.pickle'))
    with open(os.path.join(cub_root, 'CUB_200_2011', 'images', f'{CUB_TRAIN[2]}.jpg'),
              'wb') as file:
        file.write(b'garbage')
    assert check.main([cub_root]) == 1
    output = capsys.readouterr().out
    assert f'missing image {cub_root}/CUB_200_2011/images/{CUB_TRAIN[1]}.jpg' in output
    assert 'test/class_info.pickle not found' in output
    assert 'unreadable image' not in output
    assert output.strip().endswith('2 errors (2 missing file): training would fail')
    assert check.main([cub_root, '--verify-images']) == 1
    output = capsys.readouterr().out
    assert f'cannot read image {cub_root}/CUB_200_2011/images/{CUB_TRAIN[2]}.jpg' in output
    assert '3 errors (2 missing file, 1 unreadable image)' in output


def test_check_dataset_decodes_images_and_lists_every_problem(cub_root, capsys):
    """Each of these passed the check before (or stopped it at the first one)."""
    images = os.path.join(cub_root, 'CUB_200_2011', 'images')
    truncated = os.path.join(images, f'{CUB_TRAIN[0]}.jpg')
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
                    ).save(truncated, format='JPEG')
    with open(truncated, 'rb') as file:
        data = file.read()
    with open(truncated, 'wb') as file:
        file.write(data[:-300])
    Image.fromarray(np.full((8, 8), 40000, dtype=np.uint16)).save(
        os.path.join(images, f'{CUB_TRAIN[1]}.jpg'), format='PNG')
    os.remove(os.path.join(cub_root, 'captions.pickle'))  # check the text files
    with open(os.path.join(cub_root, 'text', f'{CUB_TRAIN[2]}.txt'), 'ab') as file:
        file.write(b'a caf\xe9 bird\n\xc2\xbf\xc2\xa1\n')
    write_py2_pickle(os.path.join(cub_root, 'test', 'filenames.pickle'), [])
    write_py2_pickle(os.path.join(cub_root, 'test', 'class_info.pickle'), [])
    check = load_tool('check_dataset')
    assert check.main([cub_root, '--verify-images', '--max-lines', '0']) == 1
    output = capsys.readouterr().out
    assert f'{truncated}' in output and 'truncated' in output
    assert f'WARNING [16-bit image] {images}/{CUB_TRAIN[1]}.jpg is a 16-bit image' in output
    assert f'{CUB_TRAIN[2]}.txt line 12: not UTF-8' in output
    assert f"{CUB_TRAIN[2]}.txt line 13: '¿¡' has no word" in output
    assert 'test/filenames.pickle lists no image' in output
    assert output.strip().splitlines()[-1].endswith(
        '3 errors (1 empty split, 1 non-UTF-8 line, 1 unreadable image); 2 warnings '
        '(1 16-bit image, 1 caption without vocabulary word): training would fail')


def test_check_dataset_jsonl_duplicates_vocabulary_and_splits(tmp_path, capsys):
    root = tmp_path / 'mine'
    (root / 'images').mkdir(parents=True)
    for name in ('a.png', 'b.png'):
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(root / 'images' / name)
    (root / 'captions.jsonl').write_bytes(
        b'{"image": "a.png", "captions": ["a red bird", "!!!"]}\n'
        b'{"image": "b.png", "captions": ["a fish"]}\n'
        b'{"image": "a.png", "captions": ["a blue bird"]}\n'
        b'{"image": "c.png", "captions": ["caf\xe9"]}\n')
    (root / 'train.txt').write_text('a.png\nb.png\na.png\n')
    (root / 'test.txt').write_text('')
    check = load_tool('check_dataset')
    assert check.main([str(root)]) == 1
    output = capsys.readouterr().out
    assert "captions.jsonl line 3: image 'a.png' is already on line 1" in output
    assert 'captions.jsonl line 4: not UTF-8' in output
    assert "captions.jsonl line 1 (a.png): caption '!!!' has no vocabulary word" in output
    assert "train.txt line 3: 'a.png' is already listed on line 1" in output
    assert 'test.txt lists no image' in output
    assert output.strip().endswith('4 errors (2 duplicate, 1 empty split, 1 non-UTF-8 line); '
                                   '1 warning (1 caption without vocabulary word): training '
                                   'would fail')
    Vocabulary.build([['fish']]).save(str(root / 'vocab.json'))
    check.main([str(root)])
    assert "line 1 (a.png): no caption has a vocabulary word" in capsys.readouterr().out


def test_check_dataset_missing_folder(tmp_path, capsys):
    assert load_tool('check_dataset').main([str(tmp_path / 'birds')]) == 1
    assert f'{tmp_path}/birds: no such folder' in capsys.readouterr().out


def test_check_dataset_coco_without_pickle(tmp_path, capsys):
    root = str(tmp_path / 'coco')
    make_fake_coco(root, with_pickle=False)
    check = load_tool('check_dataset')
    assert check.main([root, '--dataset', 'coco']) == 0
    assert 'captions.pickle missing' in capsys.readouterr().out
    os.remove(os.path.join(root, 'text', f'{COCO_TRAIN[0]}.txt'))
    assert check.main([root]) == 1
    assert f'missing caption file {root}/text/{COCO_TRAIN[0]}.txt' in capsys.readouterr().out


def test_build_captions(tmp_path, capsys):
    root = str(tmp_path / 'coco')
    make_fake_coco(root, with_pickle=False)
    build = load_tool('build_captions')
    assert build.main([root]) == 0
    assert '15 train and 10 test captions (5 per image)' in capsys.readouterr().out
    train, test, vocabulary = load_captions_pickle(os.path.join(root, 'captions.pickle'))
    assert len(train) == 15 and len(test) == 10
    assert build.main([root]) == 1  # refuses to overwrite
    assert build.main([root, '--force']) == 0


def test_dataset_stats(cub_root, tmp_path, capsys, monkeypatch):
    stats = load_tool('dataset_stats')
    vocab_path = str(tmp_path / 'vocab.json')
    assert stats.main([cub_root, '--save-vocab', vocab_path]) == 0
    output = capsys.readouterr().out
    assert '(cub, train): 3 images, 30 captions, vocabulary 22 words' in output
    assert '  25        3 ' in output  # the three 25-word captions in the histogram
    assert len(Vocabulary.load(vocab_path)) == 22
    # Without a path (or with a relative one) it goes beside the dataset, not into the cwd.
    monkeypatch.chdir(tmp_path / 'birds' / 'text')
    assert stats.main([cub_root, '--save-vocab']) == 0
    assert Vocabulary.load(os.path.join(cub_root, 'vocab.json')) == Vocabulary.load(vocab_path)
    assert not os.path.exists('vocab.json')
    assert stats.main([cub_root, '--save-vocab']) == 0
    assert 'already holds this vocabulary' in capsys.readouterr().out
    Vocabulary.build([['other']]).save(os.path.join(cub_root, 'words.json'))
    assert stats.main([cub_root, '--save-vocab', 'words.json']) == 1
    assert 'holds a different vocabulary; not overwritten' in capsys.readouterr().out
    assert len(Vocabulary.load(os.path.join(cub_root, 'words.json'))) == 2


def test_make_shapes_then_stats_and_check(tmp_path, capsys):
    out = str(tmp_path / 'shapes')
    assert load_tool('make_shapes').main([out, '--num-train', '20', '--num-test', '5',
                                          '--num-heldout', '4', '--heldout', 'red:circle',
                                          '--benchmark-images', '200']) == 0
    output = capsys.readouterr().out
    assert 'images/s at 64x64 on one core' in output and 'wrote 29 images' in output
    assert len(os.listdir(os.path.join(out, 'images'))) == 29
    assert load_tool('check_dataset').main([out]) == 0
    assert load_tool('dataset_stats').main([out, '--split-file', 'heldout.txt']) == 0
    assert '4 images, 20 captions, vocabulary' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        load_tool('make_shapes').main([out, '--heldout', 'redcircle'])


def test_make_shapes_free_form_captions_and_vocabulary(tmp_path, capsys):
    out = str(tmp_path / 'free')
    assert load_tool('make_shapes').main([out, '--num-train', '30', '--num-test', '2',
                                          '--caption-form', 'free',
                                          '--benchmark-images', '0']) == 0
    assert 'wrote 32 images' in capsys.readouterr().out
    old, free = shapes_vocabulary(), shapes_vocabulary(free_form=True)
    vocabulary = Vocabulary.load(os.path.join(out, 'vocab.json'))
    assert vocabulary.ixtoword == free.ixtoword and len(vocabulary) > len(old)
    with open(os.path.join(out, 'captions.jsonl'), encoding='utf-8') as file:
        captions = [caption for line in file for caption in json.loads(line)['captions']]
    assert len(captions) == 32 * 5
    words = {word for caption in captions for word in tokenize(caption)}
    assert words <= set(free.wordtoix)  # every word has an id in the written vocabulary
    assert words - set(old.wordtoix)  # and some only the free-form vocabulary has
    assert load_tool('check_dataset').main([out]) == 0
    with pytest.raises(SystemExit):
        load_tool('make_shapes').main([out, '--caption-form', 'poetry'])


def test_runs_as_a_script(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO)
    result = subprocess.run([sys.executable, os.path.join(REPO, 'tools', 'data', 'make_shapes.py'),
                             str(tmp_path / 's'), '--num-train', '3', '--num-test', '1',
                             '--benchmark-images', '0'], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'wrote 4 images' in result.stdout
