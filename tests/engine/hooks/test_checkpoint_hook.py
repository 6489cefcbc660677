import os
from collections import deque

import pytest
from mmengine.fileio import get_file_backend
from mmengine.logging import MessageHub, MMLogger

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


class FakeRunner:
    """What CheckpointHook._save_checkpoint_with_step uses of a runner."""

    def __init__(self, work_dir, fail_saving=False):
        self.work_dir = str(work_dir)
        self.message_hub = MessageHub.get_instance(f'fake_runner_{id(self)}')
        self.fail_saving = fail_saving
        self.files_while_saving = []

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        self.files_while_saving.append(sorted(os.listdir(out_dir)))
        if self.fail_saving:
            raise KeyboardInterrupt('killed while saving')
        atomic_write_bytes(os.path.join(out_dir, filename), b'checkpoint')


def keep_one_hook(work_dir):
    hook = AtomicCheckpointHook(interval=2, by_epoch=False, max_keep_ckpts=1)
    hook.out_dir = str(work_dir)
    hook.file_backend = get_file_backend(str(work_dir), backend_args=hook.backend_args)
    hook.keep_ckpt_ids = deque(maxlen=1)  # what before_train sets up
    return hook


def test_old_checkpoint_is_removed_only_after_the_new_one_and_the_record(tmp_path):
    hook, runner = keep_one_hook(tmp_path), FakeRunner(tmp_path)
    hook._save_checkpoint_with_step(runner, 2, dict(iter=2))
    hook._save_checkpoint_with_step(runner, 4, dict(iter=4))
    assert runner.files_while_saving[1] == ['iter_2.pth', 'last_checkpoint']
    assert sorted(os.listdir(tmp_path)) == ['iter_4.pth', 'last_checkpoint']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_4.pth')


def test_failed_save_keeps_the_old_checkpoint_and_its_record(tmp_path):
    hook = keep_one_hook(tmp_path)
    hook._save_checkpoint_with_step(FakeRunner(tmp_path), 2, dict(iter=2))
    with pytest.raises(KeyboardInterrupt):
        hook._save_checkpoint_with_step(FakeRunner(tmp_path, fail_saving=True), 4,
                                        dict(iter=4))
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth', 'last_checkpoint']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_2.pth')



def save_best_hook_and_runner(work_dir):
    """A hook keeping the checkpoint of the best ``score`` and a runner at epoch 0."""
    hook = AtomicCheckpointHook(interval=2, by_epoch=False, save_best='score', rule='greater')
    hook.out_dir = str(work_dir)
    hook.file_backend = get_file_backend(str(work_dir), backend_args=hook.backend_args)
    hook.best_ckpt_path = None  # what before_train sets up
    runner = FakeRunner(work_dir)
    runner.epoch, runner.logger = 0, MMLogger.get_instance(f'save_best_{id(runner)}')
    return hook, runner


def test_previous_best_checkpoint_is_removed_only_after_the_new_best_is_saved(tmp_path):
    hook, runner = save_best_hook_and_runner(tmp_path)
    for step, score in ((2, 0.5), (4, 0.7)):
        runner.iter = step
        hook._save_best_checkpoint(runner, dict(score=score))
    # the previous best was still on disk while the new best was written
    assert runner.files_while_saving[1] == ['best_score_iter_2.pth']
    assert os.listdir(tmp_path) == ['best_score_iter_4.pth']


def test_failed_best_save_keeps_the_previous_best(tmp_path):
    hook, runner = save_best_hook_and_runner(tmp_path)
    runner.iter = 2
    hook._save_best_checkpoint(runner, dict(score=0.5))
    runner.fail_saving, runner.iter = True, 4
    with pytest.raises(KeyboardInterrupt):
        hook._save_best_checkpoint(runner, dict(score=0.7))
    assert os.listdir(tmp_path) == ['best_score_iter_2.pth']
    hook.file_backend.remove(tmp_path / 'best_score_iter_2.pth')  # removals run again after
    assert os.listdir(tmp_path) == []
