from .conv_image_encoder import ConvImageEncoder
from .damsm import DAMSM
from .image_encoder import DAMSMImageEncoder, load_inception_trunk
from .losses import DAMSMLoss, mismatch_sentence_loss, sentence_loss, words_loss
from .text_encoder import DAMSMTextEncoder, extend_word_embedding, padding_mask

__all__ = [
    'ConvImageEncoder', 'DAMSM', 'DAMSMImageEncoder', 'DAMSMLoss', 'DAMSMTextEncoder',
    'extend_word_embedding',
    'load_inception_trunk', 'mismatch_sentence_loss', 'padding_mask', 'sentence_loss',
    'words_loss'
]
