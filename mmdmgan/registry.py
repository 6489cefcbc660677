"""Registries of mmdmgan, children of MMEngine's roots under the scope ``mmdmgan``.

Configs that set ``default_scope='mmdmgan'`` build our modules by plain type name. When
MMagic is installed, every registration in one of our registries is also made, under the same
name, in MMagic's registry of the same kind (:class:`MMagicMirroredRegistry`), so a config with
``default_scope='mmagic'`` and ``custom_imports=dict(imports=['mmdmgan'])`` builds them by the
same names. Our names and MMagic's are disjoint (our versions of MMagic's metrics and optimizer
constructor are ``DMGANFID``, ``DMGANInceptionScore`` and
``DMGANMultiOptimWrapperConstructor``; ``tests/test_registry.py`` checks the whole set), so
every plain name means one module under either scope and the two packages may register in any
order. MMEngine's scoping reaches our modules from any scope as ``'mmdmgan.<Name>'``, and a
config entry with ``_scope_='mmdmgan'`` builds itself and everything nested in it in our scope.

Only MMEngine is imported here (and ``mmagic.registry`` when present): the core must work
without MMagic and mmcv's compiled ops.
"""
import importlib
import logging
from types import ModuleType
from typing import List, Optional, Type, Union

from mmengine.logging import print_log
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'mmdmgan'


def _import_mmagic_registry() -> Optional[ModuleType]:
    """``mmagic.registry``, or ``None`` when MMagic is absent or does not import."""
    try:
        return importlib.import_module('mmagic.registry')
    except Exception as error:  # MMagic absent or broken (e.g. numpy 2): the core runs alone.
        print_log(f'MMagic not found, our modules are not registered in its registries '
                  f'({type(error).__name__}: {error})', logger='current', level=logging.DEBUG)
        return None


#: ``mmagic.registry`` when MMagic is installed (only this module of MMagic is imported: it
#: needs neither mmcv's compiled ops nor ``mmagic.models``).
MMAGIC_REGISTRY = _import_mmagic_registry()


class MMagicMirroredRegistry(Registry):
    """A child registry of ours whose every registration is also made in MMagic's twin.

    The module goes into MMagic's registry of the same kind under the same name at the moment
    it is registered here, so an MMagic-scoped config finds it by plain name no matter whether
    mmdmgan, MMagic's ``register_all_modules`` or a registry lookup came first. That this
    never meets a name MMagic registers (before or after us) rests on the two name sets being
    disjoint, which ``tests/test_registry.py`` checks against all of MMagic's modules. A
    registration that would take a name MMagic already holds fails with a clear error instead
    of hiding either module.

    Args:
        name (str): Registry name (that of MMEngine's root of this kind).
        parent (Registry): MMEngine's root registry of this kind.
        location (str): Package whose import registers our modules of this kind.
        mmagic_twin (Registry, optional): MMagic's registry of the same kind; ``None``
            without MMagic (then this is a plain child registry).
    """

    def __init__(self, name: str, parent: Registry, location: str,
                 mmagic_twin: Optional[Registry] = None) -> None:
        super().__init__(name, parent=parent, scope=SCOPE, locations=[location])
        self.mmagic_twin = mmagic_twin

    def _register_module(self, module: Type, module_name: Optional[Union[str, List[str]]] = None,
                         force: bool = False) -> None:
        names = ([module_name] if isinstance(module_name, str) else
                 [getattr(module, '__name__', None)] if module_name is None else list(module_name))
        twin = self.mmagic_twin
        if twin is not None:
            for name in names:
                theirs = twin.module_dict.get(name)
                if theirs is not None and self.module_dict.get(name) is not theirs:
                    raise KeyError(
                        f'{name} is MMagic\'s {theirs.__module__}.{theirs.__qualname__} in the '
                        f'MMagic "{twin.name}" registry; register the mmdmgan module under '
                        'another name (a plain name must mean one module under both scopes)')
        super()._register_module(module, module_name, force)
        if twin is not None:
            twin.register_module(name=names, module=module, force=True)


def _child(name: str, parent: Registry, location: str, mmagic_attribute: str) -> Registry:
    twin = getattr(MMAGIC_REGISTRY, mmagic_attribute, None)
    return MMagicMirroredRegistry(name, parent, location, twin)


RUNNERS = _child('runner', MMENGINE_RUNNERS, 'mmdmgan.engine', 'RUNNERS')
RUNNER_CONSTRUCTORS = _child('runner constructor', MMENGINE_RUNNER_CONSTRUCTORS, 'mmdmgan.engine',
                             'RUNNER_CONSTRUCTORS')
LOOPS = _child('loop', MMENGINE_LOOPS, 'mmdmgan.engine', 'LOOPS')
HOOKS = _child('hook', MMENGINE_HOOKS, 'mmdmgan.engine', 'HOOKS')
LOG_PROCESSORS = _child('log processor', MMENGINE_LOG_PROCESSORS, 'mmdmgan.engine',
                        'LOG_PROCESSORS')
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, 'mmdmgan.engine', 'OPTIMIZERS')
OPTIM_WRAPPERS = _child('optim wrapper', MMENGINE_OPTIM_WRAPPERS, 'mmdmgan.engine',
                        'OPTIM_WRAPPERS')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, 'mmdmgan.engine',
                                    'OPTIM_WRAPPER_CONSTRUCTORS')
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS, 'mmdmgan.engine',
                          'PARAM_SCHEDULERS')
DATASETS = _child('dataset', MMENGINE_DATASETS, 'mmdmgan.datasets', 'DATASETS')
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS, 'mmdmgan.datasets',
                       'DATA_SAMPLERS')
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS, 'mmdmgan.datasets', 'TRANSFORMS')
MODELS = _child('model', MMENGINE_MODELS, 'mmdmgan.models', 'MODELS')
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS, 'mmdmgan.engine',
                        'MODEL_WRAPPERS')
WEIGHT_INITIALIZERS = _child('weight initializer', MMENGINE_WEIGHT_INITIALIZERS, 'mmdmgan.models',
                             'WEIGHT_INITIALIZERS')
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS, 'mmdmgan.models', 'TASK_UTILS')
METRICS = _child('metric', MMENGINE_METRICS, 'mmdmgan.evaluation', 'METRICS')
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR, 'mmdmgan.evaluation', 'EVALUATORS')
VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS, 'mmdmgan.engine', 'VISUALIZERS')
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS, 'mmdmgan.engine', 'VISBACKENDS')
INFERENCERS = _child('inferencer', MMENGINE_INFERENCERS, 'mmdmgan.apis', 'INFERENCERS')
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, 'mmdmgan.datasets', 'FUNCTIONS')

#: Our registries by the attribute name that MMagic's ``mmagic.registry`` uses for its own
#: (MMagic has no inferencer or function registry).
ALL_REGISTRIES = {
    'RUNNERS': RUNNERS,
    'RUNNER_CONSTRUCTORS': RUNNER_CONSTRUCTORS,
    'LOOPS': LOOPS,
    'HOOKS': HOOKS,
    'LOG_PROCESSORS': LOG_PROCESSORS,
    'OPTIMIZERS': OPTIMIZERS,
    'OPTIM_WRAPPERS': OPTIM_WRAPPERS,
    'OPTIM_WRAPPER_CONSTRUCTORS': OPTIM_WRAPPER_CONSTRUCTORS,
    'PARAM_SCHEDULERS': PARAM_SCHEDULERS,
    'DATASETS': DATASETS,
    'DATA_SAMPLERS': DATA_SAMPLERS,
    'TRANSFORMS': TRANSFORMS,
    'MODELS': MODELS,
    'MODEL_WRAPPERS': MODEL_WRAPPERS,
    'WEIGHT_INITIALIZERS': WEIGHT_INITIALIZERS,
    'TASK_UTILS': TASK_UTILS,
    'METRICS': METRICS,
    'EVALUATORS': EVALUATOR,
    'VISUALIZERS': VISUALIZERS,
    'VISBACKENDS': VISBACKENDS,
    'INFERENCERS': INFERENCERS,
    'FUNCTIONS': FUNCTIONS,
}
