from . import checkpoint_rules  # noqa: F401  (registers the config rules)
from .encoder_weights import ENCODER_CONVERTERS, load_encoder_weights
from .original_checkpoint import (
                                  convert_discriminator,
                                  convert_generator,
                                  convert_image_encoder,
                                  convert_original_checkpoints,
                                  convert_text_encoder,
                                  load_original,
                                  save_checkpoint_atomic,
)

__all__ = [
    'ENCODER_CONVERTERS', 'convert_discriminator', 'convert_generator', 'convert_image_encoder',
    'convert_original_checkpoints', 'convert_text_encoder', 'load_original',
    'load_encoder_weights', 'save_checkpoint_atomic'
]
