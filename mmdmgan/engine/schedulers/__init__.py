from .floored_exponential import FlooredExponentialLR, FlooredExponentialParamScheduler

__all__ = ['FlooredExponentialLR', 'FlooredExponentialParamScheduler']
