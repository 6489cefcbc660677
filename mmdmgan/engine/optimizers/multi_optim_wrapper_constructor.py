"""One optimizer wrapper per sub-model, as MMagic's ``MultiOptimWrapperConstructor`` (which the
light install lacks; the distinct name keeps both reachable under MMagic's scope)."""
from typing import Optional

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from mmdmgan.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DMGANMultiOptimWrapperConstructor:
    """Build an :class:`OptimWrapperDict` with one wrapper per named sub-model.

    Config example (GANs train the generator and discriminators with separate optimizers)::

        optim_wrapper = dict(
            constructor='DMGANMultiOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
            discriminators=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))

    Each key names an attribute of the model; its value is an ordinary optim wrapper config
    (``paramwise_cfg`` allowed). MMagic's ``MultiOptimWrapperConstructor`` takes the same config.

    Args:
        optim_wrapper_cfg: ``{sub_model_name: optim_wrapper_config}``.
        paramwise_cfg: Unused; per-sub-model ``paramwise_cfg`` goes inside each entry.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise TypeError('optim_wrapper must be a dict of {sub_model_name: optim wrapper '
                            f'config}}, got {optim_wrapper_cfg!r}')
        if paramwise_cfg is not None:
            raise ValueError('DMGANMultiOptimWrapperConstructor: put paramwise_cfg inside each '
                             'sub-model entry of optim_wrapper')
        self.constructors = {}
        for name, cfg in optim_wrapper_cfg.items():
            cfg = dict(cfg)
            sub_paramwise_cfg = cfg.pop('paramwise_cfg', None)
            self.constructors[name] = DefaultOptimWrapperConstructor(cfg, sub_paramwise_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = getattr(model, 'module', model)  # unwrap DDP wrappers
        wrappers = {}
        for name, constructor in self.constructors.items():
            if not hasattr(model, name):
                raise AttributeError(
                    f'optim_wrapper has an entry "{name}" but {type(model).__name__} has no '
                    f'sub-model of that name; rename the entry to one of: '
                    f'{[n for n, _ in model.named_children()]}')
            wrappers[name] = constructor(getattr(model, name))
        return OptimWrapperDict(**wrappers)
