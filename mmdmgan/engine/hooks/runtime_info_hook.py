"""Loss logging with one host synchronisation per iteration."""
from typing import Optional

import torch
from mmengine.hooks import RuntimeInfoHook

from mmdmgan.registry import HOOKS


@HOOKS.register_module()
class BatchedRuntimeInfoHook(RuntimeInfoHook):
    """MMEngine's ``RuntimeInfoHook`` that copies all logged losses to the host at once.

    MMEngine's hook hands every returned loss to the message hub, which calls ``.item()`` on
    each: DM-GAN's step returns 17 loss tensors, so 17 device→host copies, each one waiting
    for the GPU to drain its queue. Here the scalar tensors of an iteration are stacked on
    their device and read with a single ``.tolist()``; what the message hub stores (Python
    floats, per key) is unchanged. Use it in place of the default::

        default_hooks = dict(runtime_info=dict(type='BatchedRuntimeInfoHook'))
    """

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        scalar_keys = [key for key, value in outputs.items()
                       if isinstance(value, torch.Tensor) and value.numel() == 1]
        values = dict(outputs)
        # Stacked per device and dtype, so every value reaches the host exactly as .item()
        # would return it.
        groups = {}
        for key in scalar_keys:
            groups.setdefault((outputs[key].device, outputs[key].dtype), []).append(key)
        for keys in groups.values():
            host = torch.stack([outputs[key].detach().reshape(()) for key in keys]).tolist()
            values.update(zip(keys, host))
        for key, value in values.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
