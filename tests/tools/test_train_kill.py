"""A kill at any moment of tools/train.py never loses the last complete checkpoint.

Real signals on a real training process: tests/configs/dmgan_tiny_pause.py (one checkpoint
kept, one every 2 iterations) pauses inside the save named by MMDMGAN_TEST_PAUSE_SAVE with
half of the file written, and the test kills it there.
"""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from mmdmgan.utils import is_atomic_temp_file
from tests.conftest import REPO, TEST_CONFIGS

CONFIG = TEST_CONFIGS / 'dmgan_tiny_pause.py'


def train(work_dir, *extra, pause_at=None, timeout=300):
    """Start tools/train.py; with ``pause_at``, return once it is paused inside that save."""
    marker = work_dir.parent / f'paused_in_{pause_at}'
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TEST_CONFIGS)]))
    if pause_at is not None:
        env.update(MMDMGAN_TEST_PAUSE_SAVE=pause_at, MMDMGAN_TEST_PAUSE_MARKER=str(marker))
    log_path = work_dir.parent / f'log_{len(list(work_dir.parent.glob("log_*")))}.txt'
    with open(log_path, 'w') as log:
        process = subprocess.Popen(
            [sys.executable, 'tools/train.py', str(CONFIG), '--work-dir', str(work_dir),
             *extra], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while pause_at is not None and not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f'never paused in {pause_at}:\n{log_path.read_text()[-3000:]}')
        time.sleep(0.2)
    return process, log_path


def kill_in_save(work_dir, pause_at, signum, *extra):
    """Run until paused inside the save of ``pause_at``, send ``signum``; (exit code, log)."""
    process, log_path = train(work_dir, *extra, pause_at=pause_at)
    process.send_signal(signum)
    return process.wait(timeout=120), log_path.read_text()


def temporary_files(work_dir):
    return sorted(name for name in os.listdir(work_dir) if is_atomic_temp_file(name))


def saved_iteration(path):
    return torch.load(path, weights_only=True)['meta']['iter']


def last_checkpoint(work_dir):
    return (work_dir / 'last_checkpoint').read_text()


@pytest.mark.slow
def test_kills_at_every_moment_of_a_save_keep_the_last_complete_checkpoint(tmp_path):
    work_dir = tmp_path / 'run'

    # 1. SIGKILL inside the very first save: nothing complete exists, nothing else is named.
    code, _ = kill_in_save(work_dir, 'iter_2.pth', signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not (work_dir / 'iter_2.pth').exists()
    assert not (work_dir / 'last_checkpoint').exists()
    assert [name.startswith('.iter_2.pth.') for name in temporary_files(work_dir)] == [True]

    # 2. --resume says it starts from iteration 0 and removes the leftover. SIGKILL inside
    #    the save of iter_4 (max_keep_ckpts=1): iter_2 is still there and still named.
    code, log = kill_in_save(work_dir, 'iter_4.pth', signal.SIGKILL, '--resume')
    assert code == -signal.SIGKILL
    assert 'holds no complete checkpoint (only unfinished saves: .iter_2.pth.' in log
    assert 'left by a save that was killed' in log
    assert saved_iteration(work_dir / 'iter_2.pth') == 2
    assert last_checkpoint(work_dir) == str(work_dir / 'iter_2.pth')
    assert [name.startswith('.iter_4.pth.') for name in temporary_files(work_dir)] == [True]

    # 3. --resume continues at iteration 2. SIGKILL while last_checkpoint is rewritten, iter_4
    #    complete: iter_2 is not removed yet and last_checkpoint still names it.
    code, log = kill_in_save(work_dir, 'last_checkpoint', signal.SIGKILL, '--resume')
    assert 'resumed epoch: 0, iter: 2' in log
    assert saved_iteration(work_dir / 'iter_4.pth') == 4
    assert saved_iteration(work_dir / 'iter_2.pth') == 2
    assert last_checkpoint(work_dir) == str(work_dir / 'iter_2.pth')

    # 4. --resume takes iter_4, the newest complete checkpoint, over the stale record.
    #    SIGTERM inside the save of iter_6: exit 143, no temporary file, where to resume.
    code, log = kill_in_save(work_dir, 'iter_6.pth', signal.SIGTERM, '--resume')
    assert 'resumed epoch: 0, iter: 4' in log
    assert code == 128 + signal.SIGTERM
    assert f'stopped by SIGTERM: the newest checkpoint is {work_dir / "iter_4.pth"}' in log
    assert temporary_files(work_dir) == []
    assert not (work_dir / 'iter_6.pth').exists()

    # 5. A corrupt newest checkpoint is skipped, with a warning, for the previous one; the
    #    run then finishes, and only the last checkpoint is kept.
    data = (work_dir / 'iter_4.pth').read_bytes()
    (work_dir / 'iter_4.pth').write_bytes(data[:len(data) // 2])
    process, log_path = train(work_dir, '--resume')
    assert process.wait(timeout=300) == 0, log_path.read_text()[-3000:]
    log = log_path.read_text()
    assert f'skipping {work_dir / "iter_4.pth"}: ' in log and 'not a complete checkpoint' in log
    assert 'resumed epoch: 0, iter: 2' in log
    assert saved_iteration(work_dir / 'iter_6.pth') == 6
    assert sorted(path.name for path in work_dir.glob('iter_*.pth')) == ['iter_6.pth']
    assert last_checkpoint(work_dir) == str(work_dir / 'iter_6.pth')
    assert temporary_files(work_dir) == []
