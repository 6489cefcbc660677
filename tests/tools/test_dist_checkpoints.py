"""Checkpoints of a 2-process CPU run: wrapper-free keys, a bit-exact 2-process resume, a
1-process resume, and every loading tool accepts them.

One uninterrupted 2-process run (4 iterations, checkpoints at 2 and 4) and its resume from
iteration 2 serve every test of this module.
"""
import socket
import sys

import numpy as np
import pytest
import torch

from mmdmgan.apis import init_model
from mmdmgan.datasets.shapes import shapes_vocabulary
from tests.conftest import TEST_CONFIGS, _run_tool

CONFIG = TEST_CONFIGS / 'dmgan_tiny.py'
sys.path.insert(0, str(TEST_CONFIGS))  # tiny_modules, imported by the tiny config
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def dist_train(work_dir, *args):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('PORT', str(free_port()))
        return _run_tool(['tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir, *args],
                         timeout=600)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('dist_checkpoints')
    straight, resumed = root / 'straight', root / 'resumed'
    dist_train(straight, '--cfg-options', 'train_cfg.max_iters=4')
    log = dist_train(resumed, '--resume', straight / 'iter_2.pth',
                     '--cfg-options', 'train_cfg.max_iters=4')
    return straight, resumed, log.stdout + log.stderr


def weights(path):
    checkpoint = torch.load(path, weights_only=True)
    return checkpoint.get('state_dict', checkpoint)


def test_checkpoint_keys_do_not_depend_on_the_process_count(runs):
    straight, _, _ = runs
    keys = list(weights(straight / 'iter_4.pth'))
    assert any(key.startswith('generator.') for key in keys)
    assert any(key.startswith('discriminators.0.') for key in keys)
    assert not [key for key in keys if '.module.' in key
                and not key.startswith('generator_ema.module.')]


def test_two_process_resume_continues_like_the_uninterrupted_run(runs):
    straight, resumed, log = runs
    assert 'resumed' in log.lower()
    expected, actual = weights(straight / 'rank0_weights.pth'), weights(
        resumed / 'rank0_weights.pth')
    assert list(actual) == list(expected)
    for key in expected:
        torch.testing.assert_close(actual[key], expected[key], rtol=0, atol=0, msg=key)
    # the resumed run started from the checkpoint's weights, not from fresh ones
    start, checkpoint = weights(resumed / 'rank0_initial.pth'), weights(straight / 'iter_2.pth')
    assert all(torch.equal(start[key], checkpoint[key]) for key in checkpoint)


def test_two_process_checkpoint_resumes_on_one_process(runs, tmp_path):
    straight, _, _ = runs
    _run_tool(['tools/train.py', CONFIG, '--work-dir', tmp_path,
               '--resume', straight / 'iter_2.pth', '--cfg-options', 'train_cfg.max_iters=3'])
    start, checkpoint = weights(tmp_path / 'rank0_initial.pth'), weights(straight / 'iter_2.pth')
    assert list(start) == list(checkpoint)
    assert all(torch.equal(start[key], checkpoint[key]) for key in checkpoint)
    assert torch.load(tmp_path / 'iter_3.pth', weights_only=True)['meta']['iter'] == 3


def test_loading_tools_accept_a_two_process_checkpoint(runs, tmp_path):
    straight, _, _ = runs
    checkpoint = straight / 'iter_4.pth'
    state = weights(checkpoint)
    generator = {key: value for key, value in state.items() if key.startswith('generator.')}

    model = init_model(str(CONFIG), str(checkpoint), vocabulary=shapes_vocabulary())
    loaded = model.state_dict()
    assert all(torch.equal(loaded[key], value) for key, value in generator.items())

    exported = tmp_path / 'sampler.pth'
    _run_tool(['tools/export_sampler.py', checkpoint, exported, '--sample-model', 'orig',
               '--vocab', 'shapes'])
    sampler = init_model(str(CONFIG), str(exported))
    assert all(torch.equal(sampler.state_dict()[key], value)
               for key, value in generator.items())
    orig = model.infer('a large red circle', num_images=1, seed=0, output_type='uint8',
                       sample_model='orig').images[-1]
    assert np.array_equal(sampler.infer('a large red circle', num_images=1, seed=0,
                                        output_type='uint8').images[-1], orig)

    _run_tool(['tools/generate.py', CONFIG, checkpoint, '--out-dir', tmp_path / 'samples',
               '--num-images', '2', '--batch-size', '2', '--num-workers', '0'])
    assert len(list((tmp_path / 'samples').glob('*.png'))) == 2
    result = _run_tool(['tools/test.py', CONFIG, checkpoint, '--work-dir', tmp_path / 'test'])
    log = result.stdout + result.stderr
    assert 'Load checkpoint from' in log and 'do not match exactly' not in log
