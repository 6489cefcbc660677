"""An optimizer wrapper that runs its context under bf16 autocast, without loss scaling."""
from contextlib import contextmanager
from typing import Iterator, Union

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmdmgan.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """:class:`mmengine.optim.OptimWrapper` whose ``optim_context`` enables ``torch.autocast``.

    Unlike MMEngine's ``AmpOptimWrapper`` it has no ``GradScaler``: bf16 keeps fp32's exponent
    range, so loss scaling is unnecessary, and skipping it removes the scaler's per-step host
    synchronisation (its ``found_inf`` check) and its CUDA-only restriction, so the same
    config runs on CPU (tests) and GPU. Weights, gradients and optimizer states stay fp32;
    which ops run in bf16 is autocast's choice, and DM-GAN forces fp32 where it matters
    (losses, the memory read's softmax; batch-norm statistics are fp32 in the kernels).

    Config example::

        optim_wrapper = dict(
            constructor='DMGANMultiOptimWrapperConstructor',
            generator=dict(type='AutocastOptimWrapper', dtype='bfloat16', optimizer=...),
            discriminators=dict(type='AutocastOptimWrapper', dtype='bfloat16', optimizer=...))

    Args:
        dtype (str | torch.dtype): Autocast dtype, ``'bfloat16'`` (default) or
            ``'float16'`` (fp16 needs loss scaling: use ``AmpOptimWrapper`` for it).
        **kwargs: Passed to :class:`OptimWrapper` (``optimizer``, ``clip_grad``, ...).
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, None)
        if dtype not in (torch.bfloat16, torch.float16):
            raise ValueError(f"AutocastOptimWrapper dtype must be 'bfloat16' or 'float16', got "
                             f'{dtype!r}')
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """The base context (gradient accumulation) under autocast on the model's device."""
        device_type = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device_type, dtype=self.cast_dtype):
            yield
