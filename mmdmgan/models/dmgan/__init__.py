from .discriminator import DMGANDiscriminator
from .dmgan import DMGAN, StageDiscriminators, load_encoder_weights
from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .indexed_noise import indexed_noise
from .memory import DynamicMemory

__all__ = [
    'ConditioningAugmentation', 'DMGAN', 'DMGANDiscriminator', 'DMGANGenerator', 'DynamicMemory',
    'GeneratorOutput', 'StageDiscriminators', 'indexed_noise', 'load_encoder_weights'
]
