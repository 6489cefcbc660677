from .damsm import DAMSM
from .image_encoder import DAMSMImageEncoder, load_inception_trunk
from .losses import DAMSMLoss, sentence_loss, words_loss
from .text_encoder import DAMSMTextEncoder, padding_mask

__all__ = [
    'DAMSM', 'DAMSMImageEncoder', 'DAMSMLoss', 'DAMSMTextEncoder', 'load_inception_trunk',
    'padding_mask', 'sentence_loss', 'words_loss'
]
