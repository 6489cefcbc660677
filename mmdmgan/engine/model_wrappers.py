"""DDP wrappers that also run on CPU (gloo), for tests and CPU-only clusters.

MMEngine's Runner always passes ``device_ids=[LOCAL_RANK]`` to DDP wrappers, which torch
rejects for modules on the CPU. These wrappers drop ``device_ids`` when the module does not
live on a CUDA device and behave exactly like MMEngine's otherwise.

They are registered in MMEngine's ROOT registry, not ours: the Runner resolves wrappers with
a scope-less ``MODEL_WRAPPERS.get(type)`` on the root, which never looks into child registries.
"""
from typing import Any

import torch
from mmengine.model import MMDistributedDataParallel, MMSeparateDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS
from torch import nn

from .checkpoint_loading import wrapper_free_state_dict_hook


def _drop_device_ids_off_cuda(kwargs: dict[str, Any]) -> dict[str, Any]:
    if not torch.cuda.is_available():
        kwargs.pop('device_ids', None)
        kwargs.pop('output_device', None)
    return kwargs


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDistributedDataParallel(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` that accepts CPU modules (gloo backend)."""

    def __init__(self, module: nn.Module, **kwargs: Any) -> None:
        super().__init__(module=module, **_drop_device_ids_off_cuda(kwargs))


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticSeparateDistributedDataParallel(MMSeparateDistributedDataParallel):
    """:class:`MMSeparateDistributedDataParallel` that accepts CPU modules (gloo backend).

    Each sub-module with trainable parameters (generator, discriminators) gets its own DDP
    wrapper; frozen ones (DAMSM encoders) are left alone, as in MMEngine. The wrapped model's
    ``state_dict`` keys stay those of the unwrapped one (``generator.*``, not
    ``generator.module.*``), so checkpoints do not depend on the number of processes.
    """

    def __init__(self, module: nn.Module, **kwargs: Any) -> None:
        super().__init__(module=module, **_drop_device_ids_off_cuda(kwargs))
        self.module.register_state_dict_post_hook(wrapper_free_state_dict_hook)
