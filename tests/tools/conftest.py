import pytest

from tests.conftest import TEST_CONFIGS, _run_tool


@pytest.fixture(scope='session')
def tiny_dmgan_checkpoint(tmp_path_factory):
    """A tiny DM-GAN checkpoint from a 2-iteration tools/train.py run (made once per session)."""
    work_dir = tmp_path_factory.mktemp('tiny_dmgan_train')
    _run_tool(['tools/train.py', TEST_CONFIGS / 'dmgan_tiny.py', '--work-dir', work_dir,
               '--cfg-options', 'train_cfg.max_iters=2'])
    return work_dir / 'iter_2.pth'
