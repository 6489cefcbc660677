import os

import pytest
from mmengine.fileio import get_file_backend

from mmdmgan.engine.hooks import AtomicCheckpointHook, AtomicLocalBackend
from mmdmgan.utils import atomic_write_bytes


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / 'sub' / 'iter_2.pth'
    atomic_write_bytes(target, b'first')
    atomic_write_bytes(target, b'second version')
    assert target.read_bytes() == b'second version'
    assert os.listdir(target.parent) == ['iter_2.pth']


def test_failed_write_keeps_the_old_checkpoint_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / 'iter_2.pth'
    atomic_write_bytes(target, b'complete checkpoint')

    def crash(src, dst):
        raise KeyboardInterrupt('killed while saving')

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b'half')
    assert target.read_bytes() == b'complete checkpoint'
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_hook_saves_through_the_atomic_backend(tmp_path):
    hook = AtomicCheckpointHook(interval=2, by_epoch=False)
    backend = get_file_backend(str(tmp_path), backend_args=hook.backend_args)
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'weights', tmp_path / 'a.pth')
    backend.put_text('a.pth', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'a.pth').read_bytes() == b'weights'
    assert (tmp_path / 'last_checkpoint').read_text() == 'a.pth'
    explicit = AtomicCheckpointHook(interval=2, backend_args=dict(backend='local'))
    assert explicit.backend_args == dict(backend='local')
