from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .memory import DynamicMemory

__all__ = ['ConditioningAugmentation', 'DMGANGenerator', 'DynamicMemory', 'GeneratorOutput']
