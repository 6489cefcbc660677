"""The scripts under tools/data/, run through their ``main(argv)`` (and once as a script)."""
import os
import subprocess
import sys

import pytest
from data_fixtures import COCO_TRAIN, CUB_TRAIN, make_fake_coco

from mmdmgan.datasets import Vocabulary
from mmdmgan.datasets.attngan_dataset import load_captions_pickle
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
    assert 'corrupt image' not in output and output.strip().endswith('2 problems')
    assert check.main([cub_root, '--verify-images']) == 1
    assert f'corrupt image {cub_root}/CUB_200_2011/images/{CUB_TRAIN[2]}.jpg' in \
        capsys.readouterr().out


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


def test_dataset_stats(cub_root, tmp_path, capsys):
    stats = load_tool('dataset_stats')
    vocab_path = str(tmp_path / 'vocab.json')
    assert stats.main([cub_root, '--save-vocab', vocab_path]) == 0
    output = capsys.readouterr().out
    assert '(cub, train): 3 images, 30 captions, vocabulary 22 words' in output
    assert '  25        3 ' in output  # the three 25-word captions in the histogram
    assert len(Vocabulary.load(vocab_path)) == 22


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


def test_runs_as_a_script(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO)
    result = subprocess.run([sys.executable, os.path.join(REPO, 'tools', 'data', 'make_shapes.py'),
                             str(tmp_path / 's'), '--num-train', '3', '--num-test', '1',
                             '--benchmark-images', '0'], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'wrote 4 images' in result.stdout
