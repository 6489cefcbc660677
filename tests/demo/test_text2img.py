import copy
import sys

import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmdmgan.apis import SHAPES_DEMO_CHECKPOINT, SHAPES_DEMO_CONFIG
from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.registry import MODELS
from tests.conftest import TEST_CONFIGS, load_script

sys.path.insert(0, str(TEST_CONFIGS))  # tiny_modules, imported by the tiny config


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory):
    """A random tiny DM-GAN saved as a training run would, with its vocabulary in the meta."""
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    vocabulary = shapes_vocabulary()
    path = tmp_path_factory.mktemp('ckpt') / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(vocabulary=[vocabulary.ixtoword[i]
                                          for i in range(len(vocabulary))])), path)
    return str(path)


def test_demo_writes_images_and_sheets(run_tool, tmp_path, tiny_checkpoint):
    text_file = tmp_path / 'captions.txt'
    text_file.write_text('a small green star at the top\n\n')
    result = run_tool(['demo/text2img.py', str(TEST_CONFIGS / 'dmgan_tiny.py'), tiny_checkpoint,
                       '--text', 'a large red circle on a blue background',
                       '--text-file', str(text_file), '--num-images', '2', '--attention',
                       '--out-dir', str(tmp_path / 'out')])
    paths = result.stdout.split()
    assert len(paths) == 2 * 2 * 3  # 2 captions × 2 images × (image, stages, attention)
    finals = [p for p in paths if not p.endswith(('_stages.png', '_attention.png'))]
    assert finals[0].endswith('000_a_large_red_circle_on_a_blue_background_0.png')
    for path in paths:
        with Image.open(path) as image:
            assert image.mode == 'RGB'
            if path in finals:
                assert image.size == (128, 128)
    with Image.open(paths[2]) as attention:  # 1 refinement row: image + 8 words
        assert attention.size[0] == 9 * 128



def test_text_file_that_is_not_utf8_is_one_clear_line(tmp_path, capsys):
    demo = load_script('demo/text2img.py')
    text_file = tmp_path / 'captions.txt'
    text_file.write_bytes(b'a red circle\nun cercle rouge vif\ncaf\xe9\n')
    with pytest.raises(SystemExit):
        demo.parse_args(['--text-file', str(text_file)])
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert str(text_file) in error and 'not UTF-8' in error
    assert 'byte 0xe9 at byte position 36 (line 3)' in error
    text_file.write_text('a red circle \U0001F534\n\n  a blue square  \n', encoding='utf-8')
    assert demo.parse_args(['--text-file', str(text_file)]).text == [
        'a red circle \U0001F534', 'a blue square']


def test_demo_writes_each_batch_before_generating_the_next(tmp_path, tiny_checkpoint,
                                                           monkeypatch):
    demo = load_script('demo/text2img.py')
    calls = []

    def init_model(*args, **kwargs):
        model = demo_init_model(*args, **kwargs)
        generate = model.generate_from_tokens

        def second_batch_fails(*args, **kwargs):
            calls.append(sorted(path.name for path in (tmp_path / 'out').glob('*.png')))
            if len(calls) == 2:
                raise RuntimeError('out of memory')
            return generate(*args, **kwargs)

        model.generate_from_tokens = second_batch_fails
        return model

    demo_init_model = demo.init_model
    monkeypatch.setattr(demo, 'init_model', init_model)
    with pytest.raises(RuntimeError, match='out of memory'):
        demo.main([str(TEST_CONFIGS / 'dmgan_tiny.py'), tiny_checkpoint, '--text', 'a red circle',
                   '--num-images', '5', '--batch-size', '2', '--out-dir', str(tmp_path / 'out')])
    # the first batch's images were on disk before the second batch was generated
    assert calls == [[], ['000_a_red_circle_0.png', '000_a_red_circle_1.png']]


def test_demo_refuses_a_checkpoint_of_another_config(tmp_path, tiny_checkpoint):
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.generator.gf_dim = 8
    torch.save(dict(state_dict=MODELS.build(model_cfg).state_dict()), tmp_path / 'gf8.pth')
    demo = load_script('demo/text2img.py')
    with pytest.raises(RuntimeError, match=r'(?s)gf8.pth does not fit.*gf_dim 8 vs 4'):
        demo.main([str(TEST_CONFIGS / 'dmgan_tiny.py'), str(tmp_path / 'gf8.pth'),
                   '--text', 'a red circle', '--out-dir', str(tmp_path / 'out')])
    assert not (tmp_path / 'out').exists()


@pytest.fixture(scope='module')
def training_checkpoint(tmp_path_factory):
    """A random tiny DM-GAN saved as tools/train.py does: no vocabulary anywhere."""
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    path = tmp_path_factory.mktemp('train') / 'iter_2.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


def test_demo_samples_a_training_checkpoint_with_the_train_datasets_vocabulary(
        run_tool, tmp_path, training_checkpoint):
    result = run_tool(['demo/text2img.py', str(TEST_CONFIGS / 'dmgan_tiny.py'),
                       training_checkpoint, '--text', 'a large red circle',
                       '--out-dir', str(tmp_path / 'out')])
    (path, ) = result.stdout.split()
    assert path.endswith('000_a_large_red_circle_0.png')


def test_demo_vocab_flag_and_its_missing_file(run_tool, tmp_path, training_checkpoint):
    vocab = tmp_path / 'vocab.json'
    shapes_vocabulary().save(str(vocab))
    result = run_tool(['demo/text2img.py', str(TEST_CONFIGS / 'dmgan_tiny.py'),
                       training_checkpoint, '--vocab', str(vocab), '--text', 'a red circle',
                       '--out-dir', str(tmp_path / 'out')])
    assert len(result.stdout.split()) == 1
    with pytest.raises(AssertionError, match='FileNotFoundError: --vocab nope.json not found'):
        run_tool(['demo/text2img.py', str(TEST_CONFIGS / 'dmgan_tiny.py'), training_checkpoint,
                  '--vocab', 'nope.json', '--text', 'a red circle'])


def test_demo_vocab_names_the_shapes_vocabularies(run_tool, tmp_path):
    """'shapes_free' reads the shipped model's free-form words; 'shapes' (the 45-word fixed
    grammar) drops them with a warning."""
    command = ['demo/text2img.py', SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT, '--text',
               'a big red disc', '--out-dir', str(tmp_path / 'out'), '--vocab']
    result = run_tool(command + ['shapes_free'])
    assert result.stdout.strip().splitlines()[-1].endswith('000_a_big_red_disc_0.png')
    assert 'big' not in result.stderr
    result = run_tool(command + ['shapes'])
    assert "'big'" in result.stderr and "'disc'" in result.stderr
