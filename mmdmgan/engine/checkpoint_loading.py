"""Checkpoint weights that do not depend on the number of processes, checked against a model.

MMEngine's ``MMSeparateDistributedDataParallel`` wraps each trainable part of a model in its
own DDP wrapper, so a multi-process run's ``state_dict`` reads ``generator.module.*`` where a
single-process run reads ``generator.*``. :func:`wrapper_free_state_dict_hook` keeps that
``module.`` segment out of what is saved; :func:`strip_wrapper_prefixes` removes it from
checkpoints written before, so every loader accepts both.

:func:`check_state_dict` compares a checkpoint with a model: missing, unexpected and
mis-shaped keys, and the config values that differ, inferred from weight shapes by the rules
that model packages register with :func:`register_config_rule`. :func:`load_checked_state_dict`
refuses a checkpoint that does not fit unless a partial load is asked for.
"""
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from mmengine.model import is_model_wrapper
from torch import Tensor, nn

WRAPPER_SEGMENT = 'module.'
#: How many keys of each kind an error message names.
SHOWN_KEYS = 5

ConfigRule = Callable[[Mapping[str, Tensor]], Optional[Any]]
_CONFIG_RULES: Dict[str, ConfigRule] = {}


def register_config_rule(name: str) -> Callable[[ConfigRule], ConfigRule]:
    """Register ``rule(state_dict) -> value or None`` reading the config value ``name``
    (e.g. ``'model.generator.gf_dim'``) off the weight shapes of a state dict; ``None`` when
    the weights it reads are absent."""
    def register(rule: ConfigRule) -> ConfigRule:
        _CONFIG_RULES[name] = rule
        return rule
    return register


def _rename_metadata(state_dict: Mapping, renamed: 'OrderedDict[str, Tensor]',
                     rename: Callable[[str], str]) -> None:
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is None:
        return
    new_metadata = OrderedDict()
    # A wrapper's entry comes before its module's, which then wins the shared name.
    for key, value in metadata.items():
        new_metadata[rename(key + '.')[:-1]] = value
    renamed._metadata = new_metadata


def _renamed(state_dict: Mapping[str, Tensor],
             rename: Callable[[str], str]) -> 'OrderedDict[str, Tensor]':
    renamed = OrderedDict((rename(key), value) for key, value in state_dict.items())
    _rename_metadata(state_dict, renamed, rename)
    return renamed


def _without_wrapper_segment(wrapped: Sequence[str]) -> Callable[[str], str]:
    """Renames ``'<part>.module.x'`` to ``'<part>.x'`` for the given ``'<part>.'`` prefixes."""
    def rename(key: str) -> str:
        for part in wrapped:
            if key.startswith(part + WRAPPER_SEGMENT):
                return part + key[len(part) + len(WRAPPER_SEGMENT):]
        return key
    return rename


def _wrapped_parts(keys: Sequence[str]) -> List[str]:
    """Prefixes ``'<part>.'`` whose keys all lie under ``'<part>.module.'``.

    A DDP wrapper holds no tensors of its own; an averaged model (EMA) does (``steps``), so
    ``generator_ema.module.*`` beside ``generator_ema.steps`` is left alone.
    """
    parts: Dict[str, bool] = {}
    for key in keys:
        part, _, rest = key.partition('.')
        parts[part] = parts.get(part, True) and rest.startswith(WRAPPER_SEGMENT)
    return [part + '.' for part, wrapped in parts.items() if wrapped]


def strip_wrapper_prefixes(state_dict: Mapping[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """``state_dict`` without the ``module.`` segments that DDP wrappers add to its keys.

    Removes a leading ``module.`` when every key has one (a whole-model wrapper) and the
    ``module.`` after a top-level part when every key of that part has one (MMEngine's
    separate wrappers: ``generator.module.x`` → ``generator.x``). Checkpoints without wrapper
    segments come back unchanged (same keys, same order).

    Args:
        state_dict (Mapping[str, Tensor]): Weights, e.g. ``checkpoint['state_dict']``.

    Returns:
        OrderedDict[str, Tensor]: The same tensors under wrapper-free keys.
    """
    keys = list(state_dict)
    if keys and all(key.startswith(WRAPPER_SEGMENT) for key in keys):
        state_dict = _renamed(state_dict, lambda key: key[len(WRAPPER_SEGMENT):])
        keys = list(state_dict)
    return _renamed(state_dict, _without_wrapper_segment(_wrapped_parts(keys)))


def checkpoint_weights(checkpoint: Mapping[str, Any]) -> 'OrderedDict[str, Tensor]':
    """The model weights of a loaded checkpoint file: its ``state_dict`` (MMEngine's layout) or
    the file itself when it is a plain state dict, without wrapper segments
    (:func:`strip_wrapper_prefixes`)."""
    weights = checkpoint.get('state_dict')
    return strip_wrapper_prefixes(weights if isinstance(weights, dict) else checkpoint)


def wrapper_free_state_dict_hook(module: nn.Module, state_dict: 'OrderedDict[str, Tensor]',
                                 prefix: str, local_metadata: dict) -> None:
    """``state_dict`` hook of a model whose parts are wrapped in DDP wrappers: its keys (and
    metadata) read as if they were not, ``generator.x`` rather than ``generator.module.x``.

    Registered with ``module.register_state_dict_post_hook`` by the separate-DDP wrapper, so a
    multi-process checkpoint is the same as a single-process one.
    """
    wrapped = [f'{prefix}{name}.' for name, child in module.named_children()
               if is_model_wrapper(child)]
    if not wrapped:
        return
    renamed = _renamed(state_dict, _without_wrapper_segment(wrapped))
    state_dict.clear()  # in place: the caller keeps its dict object
    state_dict.update(renamed)
    if hasattr(renamed, '_metadata'):
        state_dict._metadata = renamed._metadata


def model_state_dict(model: nn.Module) -> 'OrderedDict[str, Tensor]':
    """The wrapper-free state dict of ``model`` (wrapped itself, or with wrapped parts)."""
    while is_model_wrapper(model):
        model = model.module
    return strip_wrapper_prefixes(model.state_dict(keep_vars=True))


@dataclass
class StateDictMismatch:
    """How a checkpoint's weights differ from a model's.

    Attributes:
        missing: Model keys the checkpoint lacks.
        unexpected: Checkpoint keys the model lacks.
        mismatched: ``(key, checkpoint shape, model shape)`` of keys in both.
        config_differences: ``{config value: (checkpoint, config)}`` inferred from shapes.
    """

    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    config_differences: Dict[str, Tuple[Any, Any]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.mismatched)

    def describe(self) -> str:
        """Counts and the first :data:`SHOWN_KEYS` keys of each kind, one kind per line."""
        lines = []
        if self.config_differences:
            lines.append('config values that differ (checkpoint vs config): ' + ', '.join(
                f'{name} {ours} vs {theirs}'
                for name, (ours, theirs) in self.config_differences.items()))
        for name, keys in (('missing', self.missing), ('unexpected', self.unexpected)):
            if keys:
                lines.append(f'{name} keys ({len(keys)}): {keys[:SHOWN_KEYS]}'
                             + (' ...' if len(keys) > SHOWN_KEYS else ''))
        if self.mismatched:
            lines.append(f'shape mismatches ({len(self.mismatched)}):' + ''.join(
                f'\n    {key}: checkpoint {tuple(ours)} vs model {tuple(theirs)}'
                for key, ours, theirs in self.mismatched[:SHOWN_KEYS])
                + ('\n    ...' if len(self.mismatched) > SHOWN_KEYS else ''))
        return '\n  '.join(lines)


def _matches(key: str, patterns: Sequence[str]) -> bool:
    return any(re.match(pattern, key) for pattern in patterns)


def config_differences(checkpoint: Mapping[str, Tensor],
                       model: Mapping[str, Tensor]) -> Dict[str, Tuple[Any, Any]]:
    """``{name: (checkpoint value, model value)}`` of the registered config rules that read
    different values off the two state dicts."""
    differences = {}
    for name, rule in _CONFIG_RULES.items():
        ours, theirs = rule(checkpoint), rule(model)
        if ours is not None and theirs is not None and ours != theirs:
            differences[name] = (ours, theirs)
    return differences


def check_state_dict(model: nn.Module, state_dict: Mapping[str, Tensor],
                     ignore: Sequence[str] = (),
                     allow_missing: Sequence[str] = ()) -> StateDictMismatch:
    """Compare wrapper-free checkpoint weights with ``model``.

    Args:
        model (nn.Module): The model (wrapped or not).
        state_dict (Mapping[str, Tensor]): Checkpoint weights (see
            :func:`strip_wrapper_prefixes`).
        ignore (Sequence[str]): Regular expressions (matched at the start of a key) of parts
            the caller does not need, which are not compared at all, e.g.
            ``r'discriminators\\.'`` for sampling.
        allow_missing (Sequence[str]): Likewise, for model keys that may be absent from the
            checkpoint (they are still compared when present). BatchNorm's
            ``num_batches_tracked`` may always be absent, as in MMEngine.

    Returns:
        StateDictMismatch: Empty (false) when the checkpoint fits.
    """
    expected = model_state_dict(model)
    mismatch = StateDictMismatch(
        missing=[key for key in expected if key not in state_dict
                 and not key.endswith('num_batches_tracked')
                 and not _matches(key, tuple(ignore) + tuple(allow_missing))],
        unexpected=[key for key in state_dict if key not in expected
                    and not _matches(key, ignore)],
        mismatched=[(key, tuple(value.shape), tuple(expected[key].shape))
                    for key, value in state_dict.items()
                    if key in expected and value.shape != expected[key].shape
                    and not _matches(key, ignore)])
    if mismatch:
        mismatch.config_differences = config_differences(state_dict, expected)
    return mismatch


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose weights do not fit the model of the config."""


def mismatch_error(source: str, mismatch: StateDictMismatch,
                   advice: str = '') -> CheckpointMismatchError:
    """The error naming what of ``source`` does not fit, ending with ``advice`` (e.g. how to
    load it partially)."""
    return CheckpointMismatchError(
        f'{source} does not fit the model of the config:\n  {mismatch.describe()}'
        + (f'\n  {advice}' if advice else ''))


def load_checked_state_dict(model: nn.Module, state_dict: Mapping[str, Tensor], source: str,
                            strict: bool = True, ignore: Sequence[str] = (),
                            allow_missing: Sequence[str] = (),
                            advice: str = '') -> StateDictMismatch:
    """Load checkpoint weights into ``model``, refusing any that do not fit unless
    ``strict=False``.

    Wrapper segments are stripped first. Every weight whose key and shape fit is loaded (also
    in ignored parts); with ``strict=False`` a warning lists what did not fit, which keeps
    the model's values.

    Args:
        model (nn.Module): The model to load into (not wrapped).
        state_dict (Mapping[str, Tensor]): Checkpoint weights.
        source (str): The checkpoint's name for messages.
        strict (bool): Raise :class:`CheckpointMismatchError` on any mismatch.
        ignore, allow_missing: See :func:`check_state_dict`.
        advice (str): Ends the error message (e.g. how to ask for a partial load).

    Returns:
        StateDictMismatch: What did not fit (empty when everything did).
    """
    state_dict = strip_wrapper_prefixes(state_dict)
    mismatch = check_state_dict(model, state_dict, ignore, allow_missing)
    if mismatch and strict:
        raise mismatch_error(source, mismatch, advice)
    if mismatch:
        warnings.warn(f'{source}: loading only the weights that fit the model:\n  '
                      f'{mismatch.describe()}', stacklevel=2)
    expected = model_state_dict(model)
    fitting = OrderedDict((key, value) for key, value in state_dict.items()
                          if key in expected and value.shape == expected[key].shape)
    model.load_state_dict(fitting, strict=False)
    return mismatch
