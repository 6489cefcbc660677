"""Older training checkpoints (getattr, numpy, HistoryBuffer inside): refused by the loader
with a pointer to the converter, which reads them without running code."""
import os
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from mmdmgan.engine.checkpoint import (
    UnsafeCheckpointError,
    load_checkpoint_file,
    restore_message_hub,
)
from mmdmgan.engine.legacy_checkpoint import convert_legacy_checkpoint
from tests.conftest import load_script
from tests.engine.test_checkpoint import PAYLOADS, getattr_exploit, trace_code


def mmengine_checkpoint(path):
    """What MMEngine 0.10.7's Runner.save_checkpoint pickles (with RNGStateHook's states)."""
    hub = MessageHub.get_instance('legacy_checkpoint_test')
    hub.update_scalar('train/loss', 0.123456789, 1)
    hub.update_scalar('train/loss', 7.5, 2)
    hub.update_scalar('train/lr', 2)
    hub.update_info('eta', np.float64(12.5))
    np.random.seed(1)
    checkpoint = dict(meta=dict(iter=4, epoch=0), state_dict={'w': torch.arange(4.0)},
                      message_hub=hub.state_dict(),
                      rng_states=[dict(numpy=np.random.get_state(), torch=torch.get_rng_state())])
    torch.save(checkpoint, str(path))
    return hub, np.random.rand(3)


def test_old_checkpoint_is_refused_with_the_conversion_command(tmp_path):
    mmengine_checkpoint(tmp_path / 'iter_4.pth')
    with pytest.raises(UnsafeCheckpointError,
                       match='convert_legacy_checkpoint.py .*iter_4.pth OUT.pth'):
        load_checkpoint_file(tmp_path / 'iter_4.pth')


def test_converted_checkpoint_loads_with_the_same_data(tmp_path, monkeypatch):
    hub, expected_draws = mmengine_checkpoint(tmp_path / 'iter_4.pth')
    out = tmp_path / 'plain.pth'
    monkeypatch.setattr(sys, 'argv', ['convert', str(tmp_path / 'iter_4.pth'), str(out)])
    load_script('tools/convert_legacy_checkpoint.py').main()
    checkpoint = load_checkpoint_file(out)
    restore_message_hub(checkpoint)
    resumed = MessageHub.get_instance('legacy_checkpoint_test_resumed')
    resumed.load_state_dict(checkpoint['message_hub'])
    for key, buffer in hub.log_scalars.items():
        for old, new in zip(buffer.data, resumed.log_scalars[key].data):
            assert old.dtype == new.dtype and old.tobytes() == new.tobytes()
    assert resumed.get_info('eta') == 12.5
    assert torch.equal(checkpoint['state_dict']['w'], torch.arange(4.0))
    np.random.set_state(checkpoint['rng_states'][0]['numpy'])
    assert np.array_equal(np.random.rand(3), expected_draws)


@pytest.mark.parametrize('kind', ['reduce_os_system', 'getattr_builtins', 'numpy_runstring',
                                  'numpy_object_array'])
def test_converter_refuses_malicious_files_without_a_trace(tmp_path, kind, monkeypatch):
    monkeypatch.delenv('MMDMGAN_TEST_PAYLOAD_RAN', raising=False)
    marker = tmp_path / 'payload_ran'
    torch.save(dict(meta=PAYLOADS[kind](marker)), str(tmp_path / 'evil.pth'))
    with pytest.raises(UnsafeCheckpointError, match='evil.pth is refused'):
        convert_legacy_checkpoint(str(tmp_path / 'evil.pth'), str(tmp_path / 'out.pth'))
    exploit = tmp_path / 'exploit.pth'
    exploit.write_bytes(getattr_exploit(trace_code(marker)))
    with pytest.raises(UnsafeCheckpointError, match='exploit.pth is refused'):
        convert_legacy_checkpoint(str(exploit), str(tmp_path / 'out.pth'))
    assert not marker.exists() and 'MMDMGAN_TEST_PAYLOAD_RAN' not in os.environ
    assert not (tmp_path / 'out.pth').exists()
