"""Reaching the model inside MMEngine's model wrappers."""
from mmengine.model import is_model_wrapper
from torch import nn


def get_valid_model(module: nn.Module) -> nn.Module:
    """The module itself, or the module inside a (DDP) model wrapper."""
    return module.module if is_model_wrapper(module) else module
