"""Exponential decay that stops at a floor (the DAMSM pretraining learning rate)."""
from typing import Union

from mmengine.optim import BaseOptimWrapper
from mmengine.optim.scheduler import ExponentialParamScheduler
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from torch.optim import Optimizer

from mmdmgan.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class FlooredExponentialParamScheduler(ExponentialParamScheduler):
    """Multiply the parameter by ``gamma`` each step while it is still above ``floor``.

    This is the reference's DAMSM rule ``if lr > ENCODER_LR / 10: lr *= 0.98`` (per epoch):
    the last decay may take the value slightly below the floor (2e-3 · 0.98^114 ≈ 1.99e-4),
    after which it stays constant. MMEngine's ``ExponentialParamScheduler`` has no floor.

    Args:
        optimizer (Optimizer or BaseOptimWrapper): Wrapped optimizer.
        param_name (str): Name of the scheduled parameter, e.g. ``'lr'``.
        gamma (float): Multiplicative factor per step (epoch when ``by_epoch``).
        floor (float): No decay once the value is at or below this.
        **kwargs: ``begin``, ``end``, ``last_step``, ``by_epoch``, ``verbose`` as in
            :class:`ExponentialParamScheduler`.
    """

    def __init__(self, optimizer: Union[Optimizer, BaseOptimWrapper], param_name: str,
                 gamma: float, floor: float, **kwargs) -> None:
        if floor < 0:
            raise ValueError(f'floor must be >= 0, got {floor}')
        self.floor = floor
        super().__init__(optimizer, param_name, gamma, **kwargs)

    def _get_value(self) -> list:
        if self.last_step == 0:
            return [group[self.param_name] for group in self.optimizer.param_groups]
        return [group[self.param_name] * self.gamma if group[self.param_name] > self.floor
                else group[self.param_name] for group in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class FlooredExponentialLR(LRSchedulerMixin, FlooredExponentialParamScheduler):
    """:class:`FlooredExponentialParamScheduler` on the learning rate.

    DAMSM (AttnGAN's pretraining recipe)::

        param_scheduler = dict(type='FlooredExponentialLR', gamma=0.98, floor=2e-4,
                               by_epoch=True)
    """
