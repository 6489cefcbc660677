from .discriminator import DMGANDiscriminator, StageDiscriminators
from .dmgan import DMGAN
from .generator import ConditioningAugmentation, DMGANGenerator, GeneratorOutput
from .indexed_noise import indexed_noise
from .memory import DynamicMemory
from .text2image import DMGANText2ImagePipeline, EncodedText, Text2ImageOutput

__all__ = [
    'ConditioningAugmentation', 'DMGAN', 'DMGANDiscriminator', 'DMGANGenerator',
    'DMGANText2ImagePipeline', 'DynamicMemory', 'EncodedText', 'GeneratorOutput',
    'StageDiscriminators', 'Text2ImageOutput', 'indexed_noise'
]
