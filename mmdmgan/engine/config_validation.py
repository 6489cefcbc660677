"""Checks of a runner config that run before anything is built, so a typo fails at start.

MMEngine builds hooks when the runner is built, but some hooks take ``**kwargs`` and only use
them much later: ``CheckpointHook(intervl=1)`` passes ``intervl`` on to
``Runner.save_checkpoint``, which fails when the first checkpoint is due (10,000 iterations
into a CUB run). And MMEngine ignores top-level keys it does not know, so ``train_dataloder``
silently trains on nothing of what was meant.

- Every ``default_hooks`` / ``custom_hooks`` entry: each argument must be a parameter of the
  registered class (its ``__init__`` and the ``__init__`` of the bases its ``**kwargs`` reach),
  or of where the hook forwards its ``**kwargs`` (:data:`FORWARDED_KWARGS`). A wrong one is an
  error naming the hook, the key and the closest parameters.
- Top-level keys: configs also hold their own variables (``data_root``, ``damsm_checkpoint``,
  ...), so an unknown key is not an error. A key is warned about when it is not a runner
  setting, is close (``difflib`` ratio >= 0.8) to a runner setting, and that setting is not in
  the config: ``train_dataloder`` next to a missing ``train_dataloader``.
"""
import difflib
import inspect
import warnings
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

from mmengine.config import Config
from mmengine.hooks import CheckpointHook, EMAHook
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.runner import Runner

from mmdmgan.registry import HOOKS

CLOSE_MATCH_CUTOFF = 0.8
#: Hook-config keys that the runner consumes itself.
RUNNER_HOOK_KEYS = frozenset({'type', 'priority'})
#: Top-level keys MMEngine 0.10 reads besides the arguments of ``Runner.__init__``
#: (``runner_type`` and ``custom_imports`` by ``Runner``/``Config``; the rest by
#: ``Runner.wrap_model``, ``setup_env`` and the tools), and ``work_dir``/``launcher`` that the
#: tools set.
EXTRA_RUNNER_KEYS = frozenset({
    'runner_type', 'custom_imports', 'model_wrapper_cfg', 'find_unused_parameters', 'compile',
    'activation_checkpointing', 'efficient_conv_bn_eval', 'work_dir', 'launcher',
})


def runner_keys() -> Set[str]:
    """Top-level config keys that MMEngine's runner uses."""
    parameters = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return parameters | EXTRA_RUNNER_KEYS


def _checkpoint_hook_forwarded(hook_cfg: dict) -> Set[str]:
    # CheckpointHook passes its **kwargs to Runner.save_checkpoint next to these arguments.
    passed = {'self', 'out_dir', 'filename', 'file_client_args', 'save_optimizer',
              'save_param_scheduler', 'meta', 'by_epoch', 'backend_args'}
    return set(inspect.signature(Runner.save_checkpoint).parameters) - passed


def _ema_hook_forwarded(hook_cfg: dict) -> Optional[Set[str]]:
    # EMAHook builds MODELS(type=ema_type, model=..., **kwargs).
    ema_type = hook_cfg.get('ema_type', 'ExponentialMovingAverage')
    ema_class = MMENGINE_MODELS.get(ema_type) if isinstance(ema_type, str) else ema_type
    if ema_class is None:
        return None
    names, complete = _init_parameters(ema_class)
    return names - {'model'} if complete else None


#: Hooks whose ``**kwargs`` go somewhere other than a base class: the names they accept there
#: (``None``: cannot tell, not checked).
FORWARDED_KWARGS: Dict[type, Callable[[dict], Optional[Set[str]]]] = {
    CheckpointHook: _checkpoint_hook_forwarded,
    EMAHook: _ema_hook_forwarded,
}


def _init_parameters(cls: type) -> Tuple[Set[str], bool]:
    """Keyword names ``cls(...)`` accepts along the ``__init__`` chain that ``**kwargs``
    reaches (assumed to be ``super().__init__(**kwargs)``), and whether that list is complete
    (False when a ``**kwargs`` leaves the chain for an unknown place)."""
    names: Set[str] = set()
    reached_by_kwargs = False
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        if klass is object:  # object takes no arguments: **kwargs that got here went elsewhere
            return names, not reached_by_kwargs
        parameters = inspect.signature(klass.__init__).parameters.values()
        names |= {parameter.name for parameter in parameters
                  if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)}
        names.discard('self')
        if not any(parameter.kind == parameter.VAR_KEYWORD for parameter in parameters):
            return names, True
        if klass in FORWARDED_KWARGS:
            return names, False
        reached_by_kwargs = True
    return names, True


def hook_parameters(cls: type, hook_cfg: dict) -> Optional[Set[str]]:
    """The argument names a hook of class ``cls`` accepts, or ``None`` when unknown."""
    names, complete = _init_parameters(cls)
    if complete:
        return names
    for klass in cls.__mro__:
        if klass in FORWARDED_KWARGS:
            forwarded = FORWARDED_KWARGS[klass](hook_cfg)
            return None if forwarded is None else names | forwarded
    return None


def _hook_entries(cfg: Config) -> Iterator[Tuple[str, dict]]:
    for name, hook_cfg in (cfg.get('default_hooks') or {}).items():
        if isinstance(hook_cfg, dict):
            yield f'default_hooks.{name}', hook_cfg
    for index, hook_cfg in enumerate(cfg.get('custom_hooks') or []):
        if isinstance(hook_cfg, dict):
            yield f'custom_hooks[{index}]', hook_cfg


def _registered_names(registry) -> List[str]:
    names = []
    while registry is not None:
        names += list(registry.module_dict)
        registry = registry.parent
    return names


def _close(word: str, candidates) -> str:
    matches = difflib.get_close_matches(word, sorted(candidates), n=3, cutoff=0.6)
    return f'; did you mean {" or ".join(repr(match) for match in matches)}?' if matches else ''


def check_hooks(cfg: Config) -> None:
    """Check the arguments of every hook config against the registered hook class.

    Raises:
        KeyError: A hook type that is not registered, naming the entry and close names.
        TypeError: An argument the hook does not take, naming the entry, the key and the
            closest parameters.
    """
    with MMENGINE_HOOKS.switch_scope_and_registry(cfg.get('default_scope')) as registry:
        for where, hook_cfg in _hook_entries(cfg):
            hook_type = hook_cfg.get('type')
            if hook_type is None:
                continue  # MMEngine reports a hook config without a type itself
            cls = ((registry.get(hook_type) or HOOKS.get(hook_type))
                   if isinstance(hook_type, str) else hook_type)
            if cls is None:
                raise KeyError(f'{where}: hook type {hook_type!r} is not registered'
                               f'{_close(hook_type, _registered_names(registry))}')
            accepted = hook_parameters(cls, hook_cfg)
            if accepted is None:
                continue
            for key in hook_cfg:
                if key not in accepted and key not in RUNNER_HOOK_KEYS:
                    raise TypeError(
                        f'{where} ({cls.__name__}): unknown argument {key!r}'
                        f'{_close(key, accepted) or "."} It takes: '
                        f'{", ".join(sorted(accepted)) or "no arguments"}.')


def check_top_level_keys(cfg: Config) -> List[str]:
    """Warn about top-level keys that look like a misspelt runner setting (module docstring).

    Returns:
        list[str]: The warnings given.
    """
    known = runner_keys()
    messages = []
    for key in cfg.keys():
        if key in known:
            continue
        matches = [match for match in difflib.get_close_matches(key, sorted(known), n=3,
                                                                 cutoff=CLOSE_MATCH_CUTOFF)
                   if match not in cfg]
        if matches:
            message = (f'config key {key!r} is not a runner setting and the runner will ignore '
                       f'it; did you mean {" or ".join(repr(match) for match in matches)}? '
                       '(rename it; a config variable of that name should be renamed too)')
            warnings.warn(message, UserWarning, stacklevel=2)
            messages.append(message)
    return messages


def validate_runner_config(cfg: Config) -> None:
    """Check ``cfg`` before the runner is built: hook arguments (errors) and top-level keys
    (warnings). Called by tools/train.py and tools/test.py."""
    check_hooks(cfg)
    check_top_level_keys(cfg)
