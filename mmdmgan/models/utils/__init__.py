from . import checkpoint_rules  # noqa: F401  (registers the config rules)
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
    'convert_discriminator', 'convert_generator', 'convert_image_encoder',
    'convert_original_checkpoints', 'convert_text_encoder', 'load_original',
    'save_checkpoint_atomic'
]
