from .autocast_optim_wrapper import AutocastOptimWrapper
from .multi_optim_wrapper_constructor import DMGANMultiOptimWrapperConstructor

__all__ = ['AutocastOptimWrapper', 'DMGANMultiOptimWrapperConstructor']
