"""Build a DM-GAN for sampling from a config and a checkpoint, with its vocabulary."""
import copy
import os.path as osp
import warnings
from typing import Optional, Union

import torch
from mmengine.config import Config

from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.engine.checkpoint import load_checkpoint_file
from mmdmgan.engine.checkpoint_loading import checkpoint_weights, load_checked_state_dict
from mmdmgan.registry import MODELS

CHECKPOINT_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'checkpoints')
#: The shipped shapes model (see docs/inference.md): config, weights, vocabulary.
SHAPES_DEMO_CONFIG = osp.join(CHECKPOINT_DIR, 'shapes_demo.py')
SHAPES_DEMO_CHECKPOINT = osp.join(CHECKPOINT_DIR, 'shapes_demo.pth')
#: Parts that a sampling model needs from a checkpoint.
REQUIRED_PREFIXES = ('generator.', 'text_encoder.')
EMA_PREFIX = 'generator_ema.'
#: Parts that sampling does not need: not compared with the config (loaded where they fit).
SAMPLING_IGNORES = (r'image_encoder\.', r'discriminators\.')


def find_vocabulary(cfg: Config, checkpoint: Optional[dict],
                    checkpoint_path: Optional[str]) -> Optional[Vocabulary]:
    """The vocabulary of a model, looked up in this order.

    1. ``cfg.model.vocabulary`` (a vocab.json path), 2. ``meta['vocabulary']`` of the
    checkpoint (the word list ``ixtoword``), 3. ``vocab.json`` beside the checkpoint file.
    Returns ``None`` when none is found.
    """
    if cfg.model.get('vocabulary') is not None:
        return Vocabulary.load(cfg.model.vocabulary)
    words = (checkpoint or {}).get('meta', {}).get('vocabulary')
    if words is not None:
        return Vocabulary(dict(enumerate(words)))
    if checkpoint_path is not None:
        beside = osp.join(osp.dirname(osp.abspath(checkpoint_path)), 'vocab.json')
        if osp.isfile(beside):
            return Vocabulary.load(beside)
    return None


def init_model(config: Union[str, Config, dict],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               vocabulary: Optional[Union[str, Vocabulary]] = None,
               strict: bool = True) -> torch.nn.Module:
    """Build a DM-GAN from a config and load a checkpoint for sampling.

    With a checkpoint, the parts only training needs are not built (the DAMSM image encoder)
    and the config's encoder weight paths are ignored: the checkpoint supplies the
    generator and the text encoder (``generator.*`` and ``text_encoder.*`` keys; a training
    checkpoint, a converted original one or the shipped model). A checkpoint without
    ``generator_ema.*`` weights gives a model without EMA, which samples its one generator.
    Without a checkpoint the weights are random (a warning says so).

    The checkpoint must fit the config: generator, EMA and text encoder weights that are
    missing, unexpected or of another shape raise an error naming them and the config values
    that differ (e.g. ``model.generator.num_stages 1 vs 2``). Discriminator and image encoder
    weights are not needed and not compared. Checkpoints of multi-process runs
    (``generator.module.*``) load like single-process ones.

    Args:
        config (str | Config | dict): Config file or object with a ``model`` entry.
        checkpoint (str, optional): Local checkpoint file (read by
            :func:`~mmdmgan.engine.checkpoint.load_checkpoint_file`: plain data only).
        device (str | torch.device): Where the model runs.
        vocabulary (str | Vocabulary, optional): Overrides the lookup of
            :func:`find_vocabulary` (a vocab.json path or a :class:`Vocabulary`).
        strict (bool): ``False`` loads the weights that fit and warns about the rest, which
            keep their random values.

    Returns:
        DMGAN: in eval mode on ``device``, with ``.cfg`` and ``.vocabulary`` set.

    Raises:
        FileNotFoundError: A missing config or checkpoint file.
        KeyError: A checkpoint without generator or text-encoder weights.
        CheckpointMismatchError: (a RuntimeError) the checkpoint does not fit the config.
        CheckpointError: A checkpoint that is refused (not plain data) or incomplete.
    """
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file {config} not found')
        config = Config.fromfile(config)
    elif isinstance(config, dict) and not isinstance(config, Config):
        config = Config(config)
    if 'model' not in config:
        raise KeyError('the config has no "model" entry')
    model_cfg = copy.deepcopy(config.model)
    model_cfg.pop('vocabulary', None)

    state = weights = None
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'checkpoint {checkpoint} not found (train one with tools/train.py, convert '
                'an original release with tools/convert_original_ckpt.py, or omit CONFIG and '
                'CKPT in the demo to use the shipped shapes model)')
        state = load_checkpoint_file(checkpoint)
        weights = checkpoint_weights(state)
        # Sampling needs no image encoder, so no DAMSM loss term either.
        for legacy in ('lambda_damsm', 'lambda_damsm_mismatch', 'gamma1', 'gamma2', 'gamma3'):
            model_cfg.pop(legacy, None)
        model_cfg.update(image_encoder=None, damsm_loss=None, damsm_mismatch_loss=None,
                         text_encoder_weights=None, image_encoder_weights=None,
                         allow_random_encoders=True)
        # An exported sampler holds one generator: an EMA built from the config would stay a
        # copy of the random initial generator and be sampled by default.
        if not any(key.startswith(EMA_PREFIX) for key in weights):
            model_cfg.ema_config = None
    model = MODELS.build(model_cfg)
    if state is None:
        warnings.warn('init_model: no checkpoint given, the model has RANDOM weights',
                      stacklevel=2)
    else:
        missing = [prefix for prefix in REQUIRED_PREFIXES
                   if not any(key.startswith(prefix) for key in weights)]
        if missing:
            raise KeyError(f'checkpoint {checkpoint} has no {missing} weights; a DM-GAN '
                           'sampling model needs the generator and the text encoder')
        load_checked_state_dict(model, weights, checkpoint, strict=strict,
                                ignore=SAMPLING_IGNORES,
                                advice='to load only the weights that fit, pass strict=False')

    if isinstance(vocabulary, str):
        vocabulary = Vocabulary.load(vocabulary)
    model.vocabulary = vocabulary or find_vocabulary(config, state, checkpoint)
    model.cfg = config
    return model.to(device).eval()


def init_full_model(config: Config, checkpoint: str, sample_model: str = 'ema',
                    device: str = 'cpu') -> torch.nn.Module:
    """The DM-GAN of ``config`` with every weight from a training ``checkpoint`` (or a
    converted original release): generator, EMA, DAMSM encoders and discriminators.

    Unlike :func:`init_model` the image encoder and the discriminators are kept (evaluation,
    analysis); the config's separate DAMSM weight files are not read.

    Args:
        config (Config): The training config.
        checkpoint (str): A ``.pth`` with ``state_dict`` (or the weights themselves).
        sample_model (str): ``'orig'`` tolerates a checkpoint without an EMA generator.
        device (str): Where the model goes.

    Raises:
        CheckpointMismatchError: (a RuntimeError) the checkpoint's weights do not fit the
            model: missing, unexpected and mis-shaped keys (the first few named) and the
            config values that differ.
    """
    model_cfg = config.model.copy()
    # The checkpoint holds the encoders: the separate DAMSM weight files are not needed.
    model_cfg.update(text_encoder_weights=None, image_encoder_weights=None,
                     allow_random_encoders=True)
    model = MODELS.build(model_cfg)
    state = load_checkpoint_file(checkpoint)
    weights = checkpoint_weights(state)
    no_ema = not any(key.startswith(EMA_PREFIX) for key in weights)
    load_checked_state_dict(
        model, weights, checkpoint,
        # converted original releases carry no EMA copy
        allow_missing=(EMA_PREFIX,) if sample_model == 'orig' else (),
        advice='no EMA generator in the checkpoint? use --sample-model orig'
        if no_ema and sample_model != 'orig' else '')
    return model.to(device).eval()
