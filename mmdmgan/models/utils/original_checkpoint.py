"""Conversion of the original DM-GAN / AttnGAN release files into one MMEngine checkpoint.

The release holds plain state dicts: ``netG_epoch_*.pth`` (G_NET), ``netD{0,1,2}.pth``
(D_NET64/128/256), and the DAMSM ``text_encoder*.pth`` (RNN_ENCODER) and ``image_encoder*.pth``
(CNN_ENCODER). An AttnGAN G_NET (``bird_AttnGAN2.pth``: word attention ``att.conv_context``
instead of the memory) converts to the same generator with ``WordContextAttention`` blocks;
AttnGAN's discriminators (BatchNorm, no spectral norm) have no counterpart here. Each key
is renamed to our modules' layout by explicit rules, and the result is checked against a
freshly built module of the inferred size: a key no rule knows, a key our module lacks, a
missing key or a shape mismatch is an error naming the key (never a partial load). The output
keys are prefixed with the attribute names the DM-GAN model uses: ``generator.``,
``text_encoder.``, ``image_encoder.``, ``discriminators.<k>.``.
"""
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from mmdmgan.models.damsm.image_encoder import GLOBAL_LAYERS, REGION_LAYERS, DAMSMImageEncoder
from mmdmgan.models.damsm.text_encoder import DAMSMTextEncoder
from mmdmgan.models.dmgan.discriminator import DMGANDiscriminator
from mmdmgan.models.dmgan.generator import DMGANGenerator
from mmdmgan.utils import atomic_write

StateDict = Dict[str, Tensor]
#: (regex, replacement) pairs applied in order; a replacement may be a function of the match.
Rules = List[Tuple[str, Union[str, Callable[[re.Match], str]]]]



def _index_shift(template: str, offset: int) -> Callable[[re.Match], str]:
    """Replacement that fills ``template`` with the matched number minus ``offset``."""
    return lambda match: template.format(int(match[1]) - offset)


_SPECTRAL_NORM_RULES: Rules = [
    # The reference's SpectralNorm wrapper keeps the raw weight as weight_bar next to u, v.
    (r'\.module\.weight_bar$', '.parametrizations.weight.original'),
    (r'\.module\.weight_u$', '.parametrizations.weight.0._u'),
    (r'\.module\.weight_v$', '.parametrizations.weight.0._v'),
    (r'\.module\.bias$', '.bias'),
]

_GENERATOR_RULES: Rules = [
    (r'^ca_net\.fc\.', 'conditioning_augmentation.projection.'),
    (r'^h_net1\.fc\.(\d)\.', r'initial_stage.projection.\1.'),
    # The reference numbers its stages and up-blocks from 1 (h_net1 is the initial stage).
    (r'^h_net1\.upsample(\d)\.1\.', _index_shift('initial_stage.upsample_blocks.{}.conv.', 1)),
    (r'^h_net1\.upsample(\d)\.2\.', _index_shift('initial_stage.upsample_blocks.{}.norm.', 1)),
    (r'^h_net(\d)\.', _index_shift('refinement_stages.{}.', 2)),
    (r'^img_net(\d)\.img\.0\.', _index_shift('image_heads.{}.0.', 1)),
    (r'\.A\.weight$', '.memory.word_writing_gate.weight'),
    (r'\.B\.weight$', '.memory.image_writing_gate.weight'),
    (r'\.M_w\.0\.', '.memory.word_to_memory.0.'),
    (r'\.M_r\.0\.', '.memory.image_to_memory.0.'),
    (r'\.key\.0\.', '.memory.memory_key.0.'),
    (r'\.value\.0\.', '.memory.memory_value.0.'),
    (r'\.response_gate\.0\.', '.memory.response_gate_conv.'),
    (r'\.att\.conv_context\.', '.memory.word_projection.'),  # AttnGAN
    (r'\.residual\.(\d+)\.block\.0\.', r'.residual_blocks.\1.conv1.'),
    (r'\.residual\.(\d+)\.block\.1\.', r'.residual_blocks.\1.norm1.'),
    (r'\.residual\.(\d+)\.block\.3\.', r'.residual_blocks.\1.conv2.'),
    (r'\.residual\.(\d+)\.block\.4\.', r'.residual_blocks.\1.norm2.'),
    (r'\.upsample\.1\.', '.upsample.conv.'),
    (r'\.upsample\.2\.', '.upsample.norm.'),
]

_TEXT_ENCODER_RULES: Rules = [
    (r'^encoder\.weight$', 'word_embedding.weight'),
    (r'^rnn\.', 'lstm.'),
]

_IMAGE_ENCODER_RULES: Rules = [
    (r'^emb_features\.', 'region_projection.'),
    (r'^emb_cnn_code\.', 'global_projection.'),
    (rf'^({"|".join(REGION_LAYERS)})\.', r'region_trunk.\1.'),
    (rf'^({"|".join(GLOBAL_LAYERS)})\.', r'global_trunk.\1.'),
]

#: Backbone position of each reference discriminator block, by image size.
_DISCRIMINATOR_BLOCKS = {
    64: ['img_code_s16.0', 'img_code_s16.2', 'img_code_s16.4', 'img_code_s16.6'],
    128: ['img_code_s16.0', 'img_code_s16.2', 'img_code_s16.4', 'img_code_s16.6',
          'img_code_s32.0', 'img_code_s32_1.0'],
    256: ['img_code_s16.0', 'img_code_s16.2', 'img_code_s16.4', 'img_code_s16.6',
          'img_code_s32.0', 'img_code_s64.0', 'img_code_s64_1.0', 'img_code_s64_2.0'],
}


def _discriminator_rules(image_size: int) -> Rules:
    rules = [(rf'^{re.escape(block)}\.module\.', f'backbone.{index}.0.module.')
             for index, block in enumerate(_DISCRIMINATOR_BLOCKS[image_size])]
    rules += [(r'^UNCOND_DNET\.outlogits\.0\.', 'unconditional_head.logits_conv.'),
              (r'^COND_DNET\.outlogits\.0\.', 'conditional_head.logits_conv.'),
              (r'^COND_DNET\.jointConv\.0\.module\.', 'conditional_head.joint_conv.0.module.')]
    return rules + _SPECTRAL_NORM_RULES


def _rename(key: str, rules: Rules) -> str:
    for pattern, replacement in rules:
        key = re.sub(pattern, replacement, key)
    return key


def _strip_data_parallel(state_dict: StateDict) -> StateDict:
    """Drop the ``module.`` prefix that ``nn.DataParallel`` adds to every key."""
    if state_dict and all(key.startswith('module.') for key in state_dict):
        return {key[len('module.'):]: value for key, value in state_dict.items()}
    return dict(state_dict)


def _convert(state_dict: StateDict, rules: Rules, target: nn.Module, source: str) -> StateDict:
    """Rename ``state_dict`` with ``rules`` and check it covers ``target`` exactly.

    Args:
        state_dict (dict): Reference state dict.
        rules (list): (regex, replacement) pairs applied in order.
        target (nn.Module): Freshly built module the result must load into.
        source (str): Name of the file, for error messages.

    Returns:
        dict: State dict in ``target``'s layout.
    """
    expected = target.state_dict()
    converted: StateDict = {}
    origin: Dict[str, str] = {}
    for key, value in _strip_data_parallel(state_dict).items():
        new_key = _rename(key, rules)
        if new_key not in expected:
            raise KeyError(f'{source}: unexpected key {key!r} (converted to {new_key!r}, which '
                           f'{type(target).__name__} does not have)')
        if value.shape != expected[new_key].shape:
            raise ValueError(f'{source}: {key!r} has shape {tuple(value.shape)}, but '
                             f'{type(target).__name__}.{new_key} expects '
                             f'{tuple(expected[new_key].shape)}')
        converted[new_key] = value.detach().clone().to(expected[new_key].dtype)
        origin[new_key] = key
    for key, value in expected.items():
        if key in converted:
            continue
        if key.endswith('num_batches_tracked'):
            # PyTorch 0.4.0 checkpoints predate this counter; eval-mode BN never reads it.
            converted[key] = torch.zeros_like(value)
            continue
        raise KeyError(f'{source}: missing weights for {type(target).__name__}.{key}')
    return converted


def convert_generator(state_dict: StateDict, source: str = 'netG') -> Tuple[StateDict, dict]:
    """Convert a reference G_NET state dict: DM-GAN's, or AttnGAN's (recognised by its word
    attention, ``h_net2.att.conv_context.weight``).

    Returns:
        tuple[dict, dict]: our state dict and the :class:`DMGANGenerator` config it fits
        (sizes inferred from the weights; ``memory=dict(type='WordContextAttention')`` for
        AttnGAN).
    """
    state_dict = _strip_data_parallel(state_dict)
    try:
        condition_dim = state_dict['ca_net.fc.weight'].shape[0] // 4
        cfg = dict(
            type='DMGANGenerator',
            text_dim=state_dict['ca_net.fc.weight'].shape[1],
            condition_dim=condition_dim,
            noise_dim=state_dict['h_net1.fc.0.weight'].shape[1] - condition_dim,
            gf_dim=state_dict['img_net1.img.0.weight'].shape[1],
            num_stages=sum(f'img_net{k}.img.0.weight' in state_dict for k in (1, 2, 3)),
            num_residual=len({key.split('.')[2] for key in state_dict
                              if key.startswith('h_net2.residual.')}) or 2,
        )
        if 'h_net2.M_w.0.weight' in state_dict:
            cfg['memory_dim'] = state_dict['h_net2.M_w.0.weight'].shape[0]
        if 'h_net2.att.conv_context.weight' in state_dict:
            cfg['memory'] = dict(type='WordContextAttention')
    except KeyError as error:
        raise KeyError(f'{source}: not a DM-GAN generator state dict (nor an AttnGAN one), '
                       f'missing {error}') from None
    target = DMGANGenerator(**{k: v for k, v in cfg.items() if k != 'type'})
    return _convert(state_dict, _GENERATOR_RULES, target, source), cfg


def convert_text_encoder(state_dict: StateDict,
                         source: str = 'text_encoder') -> Tuple[StateDict, dict]:
    """Convert a reference RNN_ENCODER (DAMSM text encoder) state dict."""
    state_dict = _strip_data_parallel(state_dict)
    if 'encoder.weight' not in state_dict or 'rnn.weight_hh_l0' not in state_dict:
        raise KeyError(f'{source}: not a DAMSM text encoder state dict (needs encoder.weight '
                       'and rnn.weight_hh_l0)')
    vocab_size, embedding_dim = state_dict['encoder.weight'].shape
    cfg = dict(type='DAMSMTextEncoder', vocab_size=vocab_size, embedding_dim=embedding_dim,
               hidden_dim=2 * state_dict['rnn.weight_hh_l0'].shape[1])
    target = DAMSMTextEncoder(**{k: v for k, v in cfg.items() if k != 'type'})
    return _convert(state_dict, _TEXT_ENCODER_RULES, target, source), cfg


def convert_image_encoder(state_dict: StateDict,
                          source: str = 'image_encoder') -> Tuple[StateDict, dict]:
    """Convert a reference CNN_ENCODER (DAMSM image encoder, incl. its trunk) state dict."""
    state_dict = _strip_data_parallel(state_dict)
    if 'emb_cnn_code.weight' not in state_dict:
        raise KeyError(f'{source}: not a DAMSM image encoder state dict '
                       '(needs emb_cnn_code.weight)')
    cfg = dict(type='DAMSMImageEncoder', embedding_dim=state_dict['emb_cnn_code.weight'].shape[0])
    target = DAMSMImageEncoder(cfg['embedding_dim'], allow_random_init=True)
    return _convert(state_dict, _IMAGE_ENCODER_RULES, target, source), cfg


def convert_discriminator(state_dict: StateDict,
                          source: str = 'netD') -> Tuple[StateDict, dict]:
    """Convert a reference D_NET64/128/256 state dict (size inferred from its blocks)."""
    state_dict = _strip_data_parallel(state_dict)
    if any(key.endswith('running_mean') for key in state_dict):
        raise ValueError(f'{source}: a discriminator with BatchNorm (AttnGAN\'s D_NET): only '
                         'DM-GAN\'s spectral-norm discriminators convert; leave the AttnGAN '
                         'discriminators out (the generator and the DAMSM encoders convert)')
    if any(key.startswith('img_code_s64.') for key in state_dict):
        image_size = 256
    elif any(key.startswith('img_code_s32.') for key in state_dict):
        image_size = 128
    else:
        image_size = 64
    try:
        df_dim = state_dict['img_code_s16.0.module.bias'].shape[0]
        text_dim = state_dict['COND_DNET.jointConv.0.module.weight_bar'].shape[1] - 8 * df_dim
    except KeyError as error:
        raise KeyError(f'{source}: not a DM-GAN discriminator state dict, missing {error}') \
            from None
    cfg = dict(type='DMGANDiscriminator', image_size=image_size, df_dim=df_dim,
               text_dim=text_dim)
    target = DMGANDiscriminator(image_size, df_dim, text_dim)
    return _convert(state_dict, _discriminator_rules(image_size), target, source), cfg


def load_original(path: str) -> StateDict:
    """Load one release file as a state dict (tensors only, ``weights_only=True``)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'original checkpoint not found: {path}')
    state_dict = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(state_dict, dict):
        raise TypeError(f'{path}: expected a state dict, got {type(state_dict).__name__}')
    return state_dict


def convert_original_checkpoints(generator: Optional[str] = None,
                                 text_encoder: Optional[str] = None,
                                 image_encoder: Optional[str] = None,
                                 discriminators: Sequence[str] = ()) -> dict:
    """Convert release files into one MMEngine checkpoint dict.

    Args:
        generator (str, optional): ``netG_epoch_*.pth``.
        text_encoder (str, optional): ``text_encoder*.pth``.
        image_encoder (str, optional): ``image_encoder*.pth``.
        discriminators (Sequence[str]): ``netD0.pth``, ``netD1.pth``, ``netD2.pth`` in order
            (64, 128, 256).

    Returns:
        dict: ``{'meta': {...}, 'state_dict': {...}}`` with keys prefixed ``generator.``,
        ``text_encoder.``, ``image_encoder.``, ``discriminators.<k>.``. ``meta['model_cfgs']``
        holds the inferred config of each part; generators need ``reference_mask_bug=True``
        to reproduce the original images exactly.
    """
    parts: List[Tuple[str, Optional[str], Callable]] = [
        ('generator', generator, convert_generator),
        ('text_encoder', text_encoder, convert_text_encoder),
        ('image_encoder', image_encoder, convert_image_encoder),
    ] + [(f'discriminators.{k}', path, convert_discriminator)
         for k, path in enumerate(discriminators)]
    if all(path is None for _, path, _ in parts):
        raise ValueError('nothing to convert: give at least one original checkpoint file')
    state_dict: StateDict = {}
    model_cfgs = {}
    sources = {}
    for prefix, path, convert in parts:
        if path is None:
            continue
        converted, cfg = convert(load_original(path), source=path)
        if prefix == 'generator':
            cfg['reference_mask_bug'] = True
        state_dict.update({f'{prefix}.{key}': value for key, value in converted.items()})
        model_cfgs[prefix] = cfg
        sources[prefix] = osp.abspath(path)
    expected_sizes = [64, 128, 256]
    for k in range(len(discriminators)):
        size = model_cfgs[f'discriminators.{k}']['image_size']
        if k >= len(expected_sizes) or size != expected_sizes[k]:
            raise ValueError(f'{discriminators[k]}: discriminator {k} is for {size}×{size} '
                             'images; give them in the order netD0 (64), netD1 (128), '
                             'netD2 (256)')
    meta = dict(converted_from=sources, model_cfgs=model_cfgs,
                note='converted from the original DM-GAN / AttnGAN release by '
                     'tools/convert_original_ckpt.py')
    return dict(meta=meta, state_dict=state_dict)


def save_checkpoint_atomic(checkpoint: dict, out_path: str) -> None:
    """Write ``checkpoint`` to ``out_path`` via a temporary file and a rename."""
    atomic_write(out_path, lambda tmp_path: torch.save(checkpoint, tmp_path))
