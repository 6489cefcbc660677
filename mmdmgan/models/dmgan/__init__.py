from .discriminator import DMGANDiscriminator
from .dmgan import DMGAN, StageDiscriminators, load_encoder_weights
from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .memory import DynamicMemory

__all__ = [
    'ConditioningAugmentation', 'DMGAN', 'DMGANDiscriminator', 'DMGANGenerator', 'DynamicMemory',
    'GeneratorOutput', 'StageDiscriminators', 'load_encoder_weights'
]
