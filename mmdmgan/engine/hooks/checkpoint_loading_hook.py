"""Strict ``load_from`` / ``resume`` for MMEngine's Runner, whatever process count saved."""
import re
from typing import Dict, Optional, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from mmdmgan.registry import HOOKS

from ..checkpoint_loading import (
    check_state_dict,
    mismatch_error,
    model_state_dict,
    strip_wrapper_prefixes,
)


def frozen_parts(model: nn.Module) -> Tuple[str, ...]:
    """Key patterns of the top-level parts of ``model`` with parameters, none trainable."""
    while is_model_wrapper(model):
        model = model.module
    return tuple(rf'{re.escape(name)}\.' for name, part in model.named_children()
                 if any(True for _ in part.parameters())
                 and not any(p.requires_grad for p in part.parameters()))


PARTIAL_LOAD_OPT_OUT = 'set load_from_strict=False (--cfg-options load_from_strict=False)'


@HOOKS.register_module()
class CheckpointLoadingHook(Hook):
    """Refuse a ``load_from`` or ``resume`` checkpoint that does not fit the model.

    MMEngine loads both with ``strict=False``: mis-shaped or missing weights only log a
    warning and stay random (a resume with another ``gf_dim`` then fails at the first
    optimizer step). This hook runs when the Runner has read the checkpoint, before it loads
    the weights and before any training step, and

    - strips DDP wrapper segments from the keys (``generator.module.x`` → ``generator.x``), so
      checkpoints of multi-process runs load on any number of processes;
    - raises :class:`~mmdmgan.engine.checkpoint_loading.CheckpointMismatchError` naming the
      missing, unexpected and mis-shaped keys (first few and counts) and the config values
      that differ (e.g. ``model.generator.gf_dim 32 vs 64``).

    A resume is always strict: optimizer states only fit the weights they were made for.
    A ``load_from`` checkpoint may lack frozen parts (no trainable parameters: the DAMSM
    encoders, see ``tools/strip_encoders.py``); they keep the weights the config loaded.
    ``load_from_strict=False`` in the config lets ``load_from`` load the weights that fit
    (a warning names the rest), e.g. to fine-tune from a model with another number of stages.

    Args:
        averaged_models (dict): ``{averaged model: its source}`` (default
            ``generator_ema: generator``). A ``load_from`` checkpoint without the averaged
            model's weights (a converted original release) starts it from the source's
            loaded weights, as a new training run starts it from the initial source.
    """

    priority = 'VERY_HIGH'

    def __init__(self, averaged_models: Optional[Dict[str, str]] = None) -> None:
        self.averaged_models = (dict(generator_ema='generator') if averaged_models is None
                                else averaged_models)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        weights = checkpoint.get('state_dict', checkpoint)
        stripped = strip_wrapper_prefixes(weights)
        resume = bool(getattr(runner, '_resume', False))
        if not resume:
            self._start_averaged_models_from_sources(stripped, model_state_dict(runner.model))
        weights.clear()  # in place: the Runner loads what this hook leaves in the checkpoint
        weights.update(stripped)
        if hasattr(stripped, '_metadata'):
            weights._metadata = stripped._metadata
        mismatch = check_state_dict(
            runner.model, weights, allow_missing=() if resume else frozen_parts(runner.model))
        if not mismatch:
            return
        source = 'the resumed checkpoint' if resume else f'load_from={runner.cfg.load_from}'
        strict = resume or runner.cfg.get('load_from_strict', True)
        if strict:
            raise mismatch_error(
                source, mismatch, '' if resume else 'to load only the weights that fit, '
                + PARTIAL_LOAD_OPT_OUT)
        runner.logger.warning(f'{source}: load_from_strict=False, loading only the weights '
                              f'that fit the model:\n  {mismatch.describe()}')

    def _start_averaged_models_from_sources(self, weights: dict, model_weights: dict) -> None:
        for averaged, source in self.averaged_models.items():
            if (any(key.startswith(averaged + '.') for key in weights)
                    or not any(key.startswith(averaged + '.') for key in model_weights)
                    or not any(key.startswith(source + '.') for key in weights)):
                continue
            for key, value in model_weights.items():  # its own counters (steps) as built
                if key.startswith(averaged + '.') and not key.startswith(averaged + '.module.'):
                    weights[key] = value.detach().clone()
            weights.update({f'{averaged}.module.{key[len(source) + 1:]}': value.clone()
                            for key, value in list(weights.items())
                            if key.startswith(source + '.')})
