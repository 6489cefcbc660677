"""Config values of DM-GAN and DAMSM read off checkpoint weight shapes.

When a checkpoint does not fit the model of a config, these name the setting that differs
(``model.generator.gf_dim 32 vs 64``) beside the mis-shaped keys; see
:func:`mmdmgan.engine.checkpoint_loading.check_state_dict`. Each rule returns ``None`` when
the weights it reads are absent.
"""
import re
from typing import Mapping, Optional

from torch import Tensor

from mmdmgan.engine.checkpoint_loading import register_config_rule

StateDict = Mapping[str, Tensor]
IMAGE_HEAD = re.compile(r'generator\.image_heads\.(\d+)\.')
CA_PROJECTION = 'generator.conditioning_augmentation.projection.weight'  # 4·condition_dim × text
FIRST_D_CONV = ('discriminators.0.backbone.0.0.parametrizations.weight.original',
                'discriminators.0.backbone.0.0.weight')


def _dim(state_dict: StateDict, key: str, dim: int) -> Optional[int]:
    value = state_dict.get(key)
    return None if value is None or value.dim() <= dim else int(value.shape[dim])


@register_config_rule('model.generator.num_stages')
def num_stages(state_dict: StateDict) -> Optional[int]:
    """One image head per stage."""
    heads = {int(match.group(1)) for match in map(IMAGE_HEAD.match, state_dict) if match}
    return len(heads) or None


@register_config_rule('model.generator.gf_dim')
def gf_dim(state_dict: StateDict) -> Optional[int]:
    """An image head maps gf_dim channels to RGB."""
    return _dim(state_dict, 'generator.image_heads.0.0.weight', 1)


@register_config_rule('model.generator.condition_dim')
def condition_dim(state_dict: StateDict) -> Optional[int]:
    """The conditioning augmentation projects to μ and log σ² through a GLU (4·condition_dim)."""
    width = _dim(state_dict, CA_PROJECTION, 0)
    return None if width is None else width // 4


@register_config_rule('model.generator.text_dim')
def text_dim(state_dict: StateDict) -> Optional[int]:
    return _dim(state_dict, CA_PROJECTION, 1)


@register_config_rule('model.generator.noise_dim')
def noise_dim(state_dict: StateDict) -> Optional[int]:
    """The initial stage reads noise and condition concatenated."""
    width = _dim(state_dict, 'generator.initial_stage.projection.0.weight', 1)
    condition = condition_dim(state_dict)
    return None if width is None or condition is None else width - condition


@register_config_rule('model.discriminator.df_dim')
def df_dim(state_dict: StateDict) -> Optional[int]:
    """The first discriminator convolution has df_dim filters."""
    for key in FIRST_D_CONV:
        if key in state_dict:
            return _dim(state_dict, key, 0)
    return None


@register_config_rule('model.text_encoder.vocab_size')
def vocab_size(state_dict: StateDict) -> Optional[int]:
    return _dim(state_dict, 'text_encoder.word_embedding.weight', 0)


@register_config_rule('model.text_encoder.embedding_dim')
def embedding_dim(state_dict: StateDict) -> Optional[int]:
    return _dim(state_dict, 'text_encoder.word_embedding.weight', 1)


@register_config_rule('model.text_encoder.hidden_dim')
def hidden_dim(state_dict: StateDict) -> Optional[int]:
    """Two LSTM directions of hidden_dim / 2 units each."""
    half = _dim(state_dict, 'text_encoder.lstm.weight_hh_l0', 1)
    return None if half is None else 2 * half
