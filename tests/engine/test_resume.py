"""Choosing the checkpoint to resume from, stopping on SIGTERM, and the plain-data checkpoint
format (in process; tests/tools/test_train_kill.py kills real runs)."""
import os
import signal
import time

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

from mmdmgan.engine.checkpoint import (
    CheckpointError,
    UnsafeCheckpointError,
    restore_message_hub,
    to_plain_checkpoint,
)
from mmdmgan.engine.resume import (
    choose_resume_checkpoint,
    find_resume_checkpoint,
    stop_cleanly_on_signals,
)


def save(path, iteration, mtime):
    torch.save(dict(meta=dict(iter=iteration), state_dict={'w': torch.ones(64)}), str(path))
    os.utime(path, (mtime, mtime))
    return str(path)


def truncate(path):
    data = open(path, 'rb').read()
    with open(path, 'wb') as file:
        file.write(data[:len(data) // 2])


@pytest.fixture
def work_dir(tmp_path):
    """iter_2 and iter_4 (newer), last_checkpoint naming iter_4."""
    save(tmp_path / 'iter_2.pth', 2, 1000)
    newest = save(tmp_path / 'iter_4.pth', 4, 2000)
    (tmp_path / 'last_checkpoint').write_text(newest)
    return tmp_path


def test_newest_complete_checkpoint_is_chosen(work_dir):
    assert find_resume_checkpoint(str(work_dir)) == str(work_dir / 'iter_4.pth')


def test_corrupt_newest_falls_back_to_the_previous_one(work_dir, caplog):
    truncate(work_dir / 'iter_4.pth')
    assert find_resume_checkpoint(str(work_dir)) == str(work_dir / 'iter_2.pth')


def test_record_of_a_removed_or_empty_file_is_not_trusted(work_dir):
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_8.pth'))
    assert find_resume_checkpoint(str(work_dir)) == str(work_dir / 'iter_4.pth')
    (work_dir / 'last_checkpoint').write_text('')
    assert find_resume_checkpoint(str(work_dir)) == str(work_dir / 'iter_4.pth')


def test_newer_file_wins_over_a_stale_record(work_dir):
    # Killed after iter_6 was renamed into place, before last_checkpoint was rewritten.
    save(work_dir / 'iter_6.pth', 6, 3000)
    assert find_resume_checkpoint(str(work_dir)) == str(work_dir / 'iter_6.pth')


def test_no_checkpoint_that_loads_is_an_error_not_a_fresh_start(work_dir):
    truncate(work_dir / 'iter_2.pth')
    truncate(work_dir / 'iter_4.pth')
    with pytest.raises(CheckpointError, match='no checkpoint in .* loads') as error:
        find_resume_checkpoint(str(work_dir))
    assert 'iter_2.pth' in str(error.value) and 'iter_4.pth' in str(error.value)


def test_unsafe_newest_checkpoint_stops_resuming(work_dir):
    torch.save(dict(meta=dict(x=np.float64(1))), str(work_dir / 'iter_4.pth'))  # numpy inside
    with pytest.raises(UnsafeCheckpointError, match='iter_4.pth is refused'):
        find_resume_checkpoint(str(work_dir))


def test_empty_work_dir_starts_from_zero(tmp_path):
    (tmp_path / '.iter_2.pth.abcdefgh.partial.pth').write_bytes(b'half')
    assert find_resume_checkpoint(str(tmp_path)) is None
    cfg = Config(dict(work_dir=str(tmp_path), resume=True, load_from=None))
    choose_resume_checkpoint(cfg)
    assert cfg.resume is False and cfg.load_from is None


def test_choose_sets_load_from_and_keeps_an_explicit_one(work_dir):
    cfg = Config(dict(work_dir=str(work_dir), resume=True, load_from=None))
    choose_resume_checkpoint(cfg)
    assert cfg.resume is True and cfg.load_from == str(work_dir / 'iter_4.pth')
    explicit = Config(dict(work_dir=str(work_dir), resume=True, load_from='x.pth'))
    choose_resume_checkpoint(explicit)
    assert explicit.load_from == 'x.pth'


def test_sigterm_removes_temporary_files_names_the_checkpoint_and_exits_143(work_dir, capsys):
    leftover = work_dir / '.iter_6.pth.abcdefgh.partial.pth'
    leftover.write_bytes(b'half')
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stop:
        with stop_cleanly_on_signals(str(work_dir)):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)  # interrupted by the signal
    assert stop.value.code == 128 + signal.SIGTERM
    assert not leftover.exists()
    assert (f'stopped by SIGTERM: the newest checkpoint is {work_dir / "iter_4.pth"}'
            in capsys.readouterr().err)
    assert signal.getsignal(signal.SIGTERM) is previous


def test_message_hub_and_rng_state_round_trip_exactly_through_weights_only(tmp_path):
    hub = MessageHub.get_instance('plain_round_trip')
    for value, count in [(0.1234567890123, 1), (2.5, 3), (1e-300, 2)]:
        hub.update_scalar('train/loss', value, count)
    hub.update_scalar('train/lr', 3)  # an int history
    hub.update_info('eta', np.float64(3.25))
    hub.update_info('keep_ckpt_ids', [2, 4])
    np.random.seed(3)
    checkpoint = dict(message_hub=hub.state_dict(),
                      rng_states=[dict(numpy=np.random.get_state())])
    expected = np.random.rand(4)
    to_plain_checkpoint(checkpoint)
    torch.save(checkpoint, str(tmp_path / 'c.pth'))
    loaded = torch.load(str(tmp_path / 'c.pth'), weights_only=True)
    restore_message_hub(loaded)
    resumed = MessageHub.get_instance('plain_round_trip_resumed')
    resumed.load_state_dict(loaded['message_hub'])
    for key, buffer in hub.log_scalars.items():
        for old, new in zip(buffer.data, resumed.log_scalars[key].data):
            assert old.dtype == new.dtype and old.tobytes() == new.tobytes()
        assert resumed.log_scalars[key].max_length == buffer.max_length
    assert resumed.log_scalars['train/loss'].mean() == hub.log_scalars['train/loss'].mean()
    assert resumed.get_info('eta') == 3.25 and resumed.get_info('keep_ckpt_ids') == [2, 4]
    np.random.set_state(loaded['rng_states'][0]['numpy'])
    assert np.array_equal(np.random.rand(4), expected)


def test_value_that_is_not_plain_data_is_named_when_saving():
    checkpoint = dict(meta=dict(dataset_meta=dict(classes=np.array(['a', 'b']))))
    with pytest.raises(TypeError, match=r"checkpoint\['meta'\]\['dataset_meta'\]\['classes'\]"):
        to_plain_checkpoint(checkpoint)
