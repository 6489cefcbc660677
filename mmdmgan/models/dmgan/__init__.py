from .discriminator import DMGANDiscriminator, StageDiscriminators
from .dmgan import DMGAN
from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .indexed_noise import indexed_noise
from .memory import DynamicMemory

__all__ = [
    'ConditioningAugmentation', 'DMGAN', 'DMGANDiscriminator', 'DMGANGenerator', 'DynamicMemory',
    'GeneratorOutput', 'StageDiscriminators', 'indexed_noise'
]
