"""An MMagic project uses mmdmgan (full install only; docs/mmagic.md).

Each check runs in a subprocess, so that the order in which mmdmgan and MMagic register their
modules is the real one.
"""
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

EXAMPLE = REPO / 'configs' / 'mmagic_example' / 'dmgan_shapes_mmagic.py'

# MMagic registers its modules before mmdmgan does, or after it (what its inferencers and
# register_all_modules() do in a process that imported mmdmgan first).
ORDERS = {
    'mmagic_first': 'from mmagic.utils import register_all_modules\n'
                    'register_all_modules(init_default_scope=False)\n'
                    'import mmdmgan\n',
    'mmdmgan_first': 'import mmdmgan\n'
                     'from mmagic.utils import register_all_modules\n'
                     'register_all_modules(init_default_scope=False)\n',
}


def run_python(code: str, *args: str, cwd: Path, timeout: float = 600
               ) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    result = subprocess.run([sys.executable, '-c', code, *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (f'--- stdout ---\n{result.stdout[-4000:]}\n'
                                    f'--- stderr ---\n{result.stderr[-6000:]}')
    return result


NAMES_SCRIPT = textwrap.dedent('''
    import mmagic.registry as theirs
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DefaultScope
    from mmengine.runner import TestLoop
    import mmdmgan.evaluation.metrics as metrics
    import mmdmgan.registry as ours

    # One name, one module: ours and MMagic's own are disjoint, ours are reachable by plain name.
    for attribute, registry in ours.ALL_REGISTRIES.items():
        twin = getattr(theirs, attribute, None)
        if twin is None:  # MMagic has no registry of this kind
            assert attribute in ('INFERENCERS', 'FUNCTIONS'), attribute
            continue
        assert registry.mmagic_twin is twin, attribute
        own = {name for name, module in twin.module_dict.items()
               if module is not registry.module_dict.get(name)}
        clash = own & set(registry.module_dict)
        assert not clash, (attribute, clash)
        for name, module in registry.module_dict.items():
            assert twin.get(name) is module, (attribute, name)

    with DefaultScope.overwrite_default_scope('mmagic'):
        get = theirs.METRICS.get
        assert get('FID').__module__ == 'mmagic.evaluation.metrics.fid'
        assert get('InceptionScore').__module__ == 'mmagic.evaluation.metrics.inception_score'
        assert get('DMGANFID') is metrics.DMGANFID
        assert get('mmdmgan.DMGANFID') is metrics.DMGANFID
        constructor = theirs.OPTIM_WRAPPER_CONSTRUCTORS.get('MultiOptimWrapperConstructor')
        assert constructor.__module__.startswith('mmagic.'), constructor
        # docs/mmagic.md's evaluation: MMEngine's loop and evaluator for our metrics.
        assert theirs.LOOPS.get('TestLoop') is TestLoop
        assert theirs.EVALUATORS.get('mmengine.Evaluator') is Evaluator
        assert theirs.EVALUATORS.get('Evaluator') is not Evaluator  # MMagic's
    with DefaultScope.overwrite_default_scope('mmdmgan'):
        assert ours.METRICS.get('DMGANInceptionScore') is metrics.DMGANInceptionScore

    # The example's model: `_scope_='mmdmgan'` builds the nested EMA as mmdmgan's configs do;
    # without it, the plain name is MMagic's EMA.
    import sys
    from mmengine.config import Config
    model_cfg = Config.fromfile(sys.argv[1]).model
    model_cfg.update(text_encoder_weights=None, image_encoder_weights=None,
                     allow_random_encoders=True, image_encoder=None, damsm_loss=None)
    with DefaultScope.overwrite_default_scope('mmagic'):
        scoped = theirs.MODELS.build(model_cfg)
        model_cfg.pop('_scope_')
        plain = theirs.MODELS.build(model_cfg)
    assert type(scoped.generator_ema).__module__.startswith('mmengine.'), type(scoped.generator_ema)
    assert type(plain.generator_ema).__module__.startswith('mmagic.'), type(plain.generator_ema)
    print('NAMES OK')
''')


@pytest.mark.mmagic
@pytest.mark.parametrize('order', ORDERS)
def test_each_plain_name_means_one_module_in_either_import_order(order, tmp_path):
    result = run_python(ORDERS[order] + NAMES_SCRIPT, str(EXAMPLE), cwd=tmp_path)
    assert 'NAMES OK' in result.stdout


def test_registering_an_mmagic_name_in_our_registry_is_refused():
    from mmengine.registry import Registry

    from mmdmgan.registry import MMagicMirroredRegistry

    root = Registry('toy root', scope='toy_root')
    twin = Registry('toy twin', parent=root, scope='toy_twin')
    ours = MMagicMirroredRegistry('toy ours', root, 'mmdmgan.models', mmagic_twin=twin)

    @twin.register_module()
    class Taken:
        pass

    @ours.register_module()
    class Free:
        pass

    assert twin.get('Free') is Free  # mirrored at registration
    with pytest.raises(KeyError, match='Taken is MMagic'):
        @ours.register_module(name='Taken')
        class Other:
            pass
    assert 'Taken' not in ours.module_dict and twin.module_dict['Taken'] is Taken

    @ours.register_module(name='Free', force=True)
    class Replacement:
        pass

    assert twin.get('Free') is Replacement


def mmagic_train_script() -> Path:
    """MMagic's own tools/train.py, shipped inside its package (``mmagic/.mim``)."""
    package = Path(importlib.util.find_spec('mmagic').submodule_search_locations[0])
    return package / '.mim' / 'tools' / 'train.py'


# A few iterations of a small model on 8 scenes with random frozen encoders, every iteration
# logged; everything else (scope, runtime, hooks, constructor, wrapper) as in the example.
TINY = ['model.text_encoder_weights=None', 'model.image_encoder_weights=None',
        'model.allow_random_encoders=True', 'model.generator.gf_dim=4',
        'model.discriminator.df_dim=4', 'model.image_encoder.input_size=75',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_dataloader.dataset.num_images=8',
        'train_cfg.max_iters=3', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=3', 'custom_hooks.0.interval=3',
        'env_cfg.cudnn_benchmark=False']

TRAIN_SCRIPT = textwrap.dedent('''
    import runpy, sys
    sys.argv = [sys.argv[1], sys.argv[2], '--work-dir', sys.argv[3], '--cfg-options',
                *sys.argv[4:]]
    runpy.run_path(sys.argv[0], run_name='__main__')
''')

ITER_LINE = re.compile(r'Iter\(train\) \[(\d+)/3\](.*)')


@pytest.mark.mmagic
@pytest.mark.slow  # MMagic training in a subprocess: ~15-20 s each on 2 busy CPU cores
@pytest.mark.parametrize('order', ORDERS)
def test_mmagic_trains_the_example_config_with_its_own_train_script(order, tmp_path):
    train_py = mmagic_train_script()
    if not train_py.is_file():
        pytest.skip(f'MMagic without its packaged tools ({train_py})')
    work_dir = tmp_path / 'work'
    code = ORDERS[order] + TRAIN_SCRIPT
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, '-c', code, str(train_py), str(EXAMPLE), str(work_dir), *TINY],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]

    assert (work_dir / 'iter_3.pth').is_file()  # MMagic's CheckpointHook
    assert (work_dir / 'vis' / 'iter_3.png').is_file()  # our hook, by plain name
    logs = list(work_dir.glob('*/*.log'))
    assert len(logs) == 1, logs
    log = logs[0].read_text()
    iterations = {int(m.group(1)): m.group(2) for m in ITER_LINE.finditer(log)}
    assert sorted(iterations) == [1, 2, 3], log[-3000:]
    for line in iterations.values():  # as complete as under mmdmgan's own runtime
        for field in ('eta:', 'time:', 'data_time:', 'loss_g_adv0:', 'loss_d0:'):
            assert field in line, (field, line)
    assert 'missing keys' not in output
