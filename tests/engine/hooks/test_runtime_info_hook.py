from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import RuntimeInfoHook
from mmengine.logging import MessageHub

from mmdmgan.engine.hooks import BatchedRuntimeInfoHook


def logged(hook, outputs, name):
    runner = SimpleNamespace(message_hub=MessageHub.get_instance(name))
    hook.after_train_iter(runner, 0, outputs=outputs)
    hook.after_train_iter(runner, 1, outputs=outputs)
    return {key: buffer.data for key, buffer in runner.message_hub.log_scalars.items()}


def outputs():
    return dict(loss_d0=torch.tensor(0.693147), loss_g=torch.tensor([1.25]),
                loss_bf16=torch.tensor(0.1, dtype=torch.bfloat16),
                loss_double=torch.tensor(1 / 3, dtype=torch.float64),
                count=torch.tensor(7), plain=2.5)


def test_same_history_as_mmengine_without_item(monkeypatch):
    expected = logged(RuntimeInfoHook(), outputs(), 'mmengine_runtime_info')

    def no_item(self):
        raise AssertionError('item() called: one host sync per loss')

    monkeypatch.setattr(torch.Tensor, 'item', no_item)
    ours = logged(BatchedRuntimeInfoHook(), outputs(), 'batched_runtime_info')
    assert ours.keys() == expected.keys() == {
        'train/loss_d0', 'train/loss_g', 'train/loss_bf16', 'train/loss_double',
        'train/count', 'train/plain'}
    for key, (values, counts) in expected.items():
        assert ours[key][0].tolist() == values.tolist(), key
        assert ours[key][1].tolist() == counts.tolist(), key


def test_one_host_copy_per_device_and_dtype(monkeypatch):
    calls = []
    tolist = torch.Tensor.tolist

    def counting_tolist(self):
        calls.append(self.dtype)
        return tolist(self)

    monkeypatch.setattr(torch.Tensor, 'tolist', counting_tolist)
    logged(BatchedRuntimeInfoHook(), {f'loss_{k}': torch.tensor(float(k)) for k in range(17)},
           'batched_runtime_info_count')
    assert calls == [torch.float32, torch.float32]  # two iterations


def test_default_runtime_uses_it():
    from mmengine.config import Config
    root = Path(__file__).resolve().parents[3]
    cfg = Config.fromfile(str(root / 'configs' / '_base_' / 'default_runtime.py'))
    assert cfg.default_hooks.runtime_info.type == 'BatchedRuntimeInfoHook'


@pytest.mark.parametrize('empty', [None, {}])
def test_nothing_to_log(empty):
    runner = SimpleNamespace(message_hub=MessageHub.get_instance('batched_runtime_info_empty'))
    BatchedRuntimeInfoHook().after_train_iter(runner, 0, outputs=empty)
    assert not runner.message_hub.log_scalars
