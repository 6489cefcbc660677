"""Test-only: pause inside a checkpoint save so that a test can kill the process mid-write.

With ``MMDMGAN_TEST_PAUSE_SAVE=<file name>`` (e.g. ``iter_4.pth`` or ``last_checkpoint``),
the atomic save of that file writes half of its bytes into the temporary file, creates the
file ``MMDMGAN_TEST_PAUSE_MARKER`` and sleeps until the test kills the process. Imported by
tests/configs/dmgan_tiny_pause.py (needs tests/configs on PYTHONPATH).
"""
import os
import os.path as osp
import time

from mmdmgan.engine.hooks import checkpoint_hook
from mmdmgan.utils import atomic_write

PAUSE_SAVE = 'MMDMGAN_TEST_PAUSE_SAVE'
PAUSE_MARKER = 'MMDMGAN_TEST_PAUSE_MARKER'
real_atomic_write_bytes = checkpoint_hook.atomic_write_bytes


def atomic_write_bytes_pausing(path, data, encoding='utf-8'):
    if osp.basename(str(path)) != os.environ.get(PAUSE_SAVE):
        return real_atomic_write_bytes(path, data, encoding)
    if isinstance(data, str):
        data = data.encode(encoding)

    def write_half_then_wait(tmp_path):
        with open(tmp_path, 'wb') as file:
            file.write(data[:len(data) // 2])
            file.flush()
            with open(os.environ[PAUSE_MARKER], 'w') as marker:
                marker.write(tmp_path)
            time.sleep(600)
            file.write(data[len(data) // 2:])

    atomic_write(str(path), write_half_then_wait)


checkpoint_hook.atomic_write_bytes = atomic_write_bytes_pausing
