from .discriminator import DMGANDiscriminator, StageDiscriminators
from .dmgan import DMGAN
from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .indexed_noise import indexed_noise
from .losses import (
    ConditioningKLLoss,
    DAMSMGeneratorLoss,
    DAMSMMismatchLoss,
    DMGANAdversarialLoss,
    ModeSeekingLoss,
)
from .memory import DynamicMemory
from .text2image import DMGANText2ImagePipeline, EncodedText, Text2ImageOutput
from .word_attention import WordContextAttention

__all__ = [
    'ConditioningAugmentation', 'ConditioningKLLoss', 'DAMSMGeneratorLoss', 'DAMSMMismatchLoss',
    'DMGAN', 'DMGANAdversarialLoss', 'DMGANDiscriminator', 'DMGANGenerator',
    'DMGANText2ImagePipeline', 'DynamicMemory', 'EncodedText', 'GeneratorOutput',
    'ModeSeekingLoss', 'StageDiscriminators', 'Text2ImageOutput', 'WordContextAttention',
    'indexed_noise'
]
