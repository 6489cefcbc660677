from .discriminator import DMGANDiscriminator
from .dmgan import DMGAN, StageDiscriminators, load_encoder_weights
from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .indexed_noise import indexed_noise
from .losses import ConditioningKLLoss, DAMSMGeneratorLoss, DAMSMMismatchLoss, DMGANAdversarialLoss
from .memory import DynamicMemory
from .word_attention import WordContextAttention

__all__ = [
    'ConditioningAugmentation', 'ConditioningKLLoss', 'DAMSMGeneratorLoss', 'DAMSMMismatchLoss',
    'DMGAN', 'DMGANAdversarialLoss', 'DMGANDiscriminator', 'DMGANGenerator', 'DynamicMemory',
    'GeneratorOutput', 'StageDiscriminators', 'WordContextAttention', 'indexed_noise',
    'load_encoder_weights'
]
