"""Registries of mmdmgan, children of MMEngine's roots under the scope ``mmdmgan``.

Configs that set ``default_scope='mmdmgan'`` build our modules by plain type name. When
MMagic is installed, :func:`mirror_into_mmagic` also registers every module in MMagic's
registries, so a config with ``default_scope='mmagic'`` and
``custom_imports=dict(imports=['mmdmgan'])`` builds them by the same names.

Only MMEngine is imported here: the core must work without MMagic and mmcv's compiled ops.
"""
import importlib
import logging

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


def _child(name: str, parent: Registry, location: str) -> Registry:
    return Registry(name, parent=parent, scope=SCOPE, locations=[location])


RUNNERS = _child('runner', MMENGINE_RUNNERS, 'mmdmgan.engine')
RUNNER_CONSTRUCTORS = _child('runner constructor', MMENGINE_RUNNER_CONSTRUCTORS, 'mmdmgan.engine')
LOOPS = _child('loop', MMENGINE_LOOPS, 'mmdmgan.engine')
HOOKS = _child('hook', MMENGINE_HOOKS, 'mmdmgan.engine')
LOG_PROCESSORS = _child('log processor', MMENGINE_LOG_PROCESSORS, 'mmdmgan.engine')
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, 'mmdmgan.engine')
OPTIM_WRAPPERS = _child('optim wrapper', MMENGINE_OPTIM_WRAPPERS, 'mmdmgan.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, 'mmdmgan.engine')
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS, 'mmdmgan.engine')
DATASETS = _child('dataset', MMENGINE_DATASETS, 'mmdmgan.datasets')
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS, 'mmdmgan.datasets')
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS, 'mmdmgan.datasets')
MODELS = _child('model', MMENGINE_MODELS, 'mmdmgan.models')
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS, 'mmdmgan.engine')
WEIGHT_INITIALIZERS = _child('weight initializer', MMENGINE_WEIGHT_INITIALIZERS, 'mmdmgan.models')
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS, 'mmdmgan.models')
METRICS = _child('metric', MMENGINE_METRICS, 'mmdmgan.evaluation')
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR, 'mmdmgan.evaluation')
VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS, 'mmdmgan.engine')
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS, 'mmdmgan.engine')
INFERENCERS = _child('inferencer', MMENGINE_INFERENCERS, 'mmdmgan.apis')
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, 'mmdmgan.datasets')

#: Our registries by the attribute name that MMagic's ``mmagic.registry`` uses for its own.
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
    'EVALUATOR': EVALUATOR,
    'VISUALIZERS': VISUALIZERS,
    'VISBACKENDS': VISBACKENDS,
    'INFERENCERS': INFERENCERS,
    'FUNCTIONS': FUNCTIONS,
}


def _copy_missing(ours: Registry, theirs: Registry) -> None:
    for name, module in ours.module_dict.items():
        if name not in theirs.module_dict:
            theirs.register_module(name=name, module=module)


def _mirror_after_mmagic_imports(ours: Registry, theirs: Registry) -> None:
    """Copy our modules into ``theirs`` each time it has imported MMagic's own modules.

    Every lookup (``get``/``build``) first calls ``import_from_location``; copying right after
    it means MMagic's names always win and are registered first, so MMagic's own
    ``register_all_modules()`` never meets a name we took (e.g. ``FID``), whatever the import
    order of the two packages.
    """
    import_mmagic_modules = theirs.import_from_location

    def import_then_mirror() -> None:
        import_mmagic_modules()
        _copy_missing(ours, theirs)

    theirs.import_from_location = import_then_mirror


def mirror_into_mmagic() -> bool:
    """Make every mmdmgan module reachable through the MMagic registry of the same kind.

    Names MMagic already uses are left to MMagic (ours stay reachable with
    ``default_scope='mmdmgan'``). Nothing of MMagic beyond ``mmagic.registry`` is imported
    here, which needs neither mmcv's compiled ops nor ``mmagic.models``; our modules are
    copied in on MMagic's first lookup, after its own modules.

    Returns:
        bool: ``True`` when MMagic was found.
    """
    try:
        mmagic_registry = importlib.import_module('mmagic.registry')
    except Exception as error:  # MMagic absent or broken (e.g. numpy 2): the core runs alone.
        print_log(f'MMagic registries not mirrored ({type(error).__name__}: {error})',
                  logger='current', level=logging.DEBUG)
        return False
    for attribute, ours in ALL_REGISTRIES.items():
        theirs = getattr(mmagic_registry, attribute, None)
        if theirs is not None:
            _mirror_after_mmagic_imports(ours, theirs)
    return True
