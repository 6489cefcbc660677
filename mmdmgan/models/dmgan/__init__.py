from .discriminator import DMGANDiscriminator
from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .memory import DynamicMemory

__all__ = [
    'ConditioningAugmentation', 'DMGANDiscriminator', 'DMGANGenerator', 'DynamicMemory',
    'GeneratorOutput'
]
