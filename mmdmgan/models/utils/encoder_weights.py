"""Loading the frozen DAMSM encoders' weights from a DAMSM run, a DM-GAN run or the original
release."""
import os.path as osp

import torch
from torch import nn

from mmdmgan.engine.checkpoint_loading import checkpoint_weights

from .original_checkpoint import convert_image_encoder, convert_text_encoder

ENCODER_CONVERTERS = {'text_encoder': convert_text_encoder, 'image_encoder': convert_image_encoder}


def load_encoder_weights(encoder: nn.Module, path: str, prefix: str) -> None:
    """Load frozen DAMSM encoder weights from a local file into ``encoder`` (strictly).

    Accepts an MMEngine checkpoint (``state_dict`` with keys ``<prefix>.*``, as written by the
    DAMSM and DM-GAN trainings or ``tools/convert_original_ckpt.py``), a plain state dict of
    ``encoder``, or the original AttnGAN/DM-GAN release file (``text_encoder*.pth`` /
    ``image_encoder*.pth``), which is converted on the fly.

    Args:
        encoder (nn.Module): ``DAMSMTextEncoder`` or ``DAMSMImageEncoder``.
        path (str): Local weights file.
        prefix (str): ``'text_encoder'`` or ``'image_encoder'``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{prefix} weights not found at {path!r}: train DAMSM first '
            f'(python tools/train.py configs/damsm_<dataset>.py) and point the config variable '
            f'for the {prefix} weights at its checkpoint, or convert the original release file '
            f'(tools/convert_original_ckpt.py).')
    # The wrapper-free weights also of a multi-process DAMSM run's checkpoint.
    state_dict = checkpoint_weights(torch.load(path, map_location='cpu', weights_only=True))
    prefixed = {key[len(prefix) + 1:]: value for key, value in state_dict.items()
                if key.startswith(prefix + '.')}
    if prefixed:
        state_dict = prefixed
    elif not set(encoder.state_dict()) <= set(state_dict):
        # Neither ours nor prefixed: the original release layout (or an error naming the key).
        state_dict, _ = ENCODER_CONVERTERS[prefix](state_dict, source=path)
    try:
        encoder.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise RuntimeError(f'{path}: the weights do not fit the configured {prefix} '
                           f'(check vocab_size / embedding_dim in the config): {error}') from None
