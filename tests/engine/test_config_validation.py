"""Config checks at start: hook arguments (errors) and misspelt runner settings (warnings)."""
import os
import subprocess
import sys
import warnings

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook

import mmdmgan  # noqa: F401  (registers the hooks)
from mmdmgan.engine.config_validation import (
    check_hooks,
    check_top_level_keys,
    hook_parameters,
    validate_runner_config,
)
from mmdmgan.registry import HOOKS
from tests.conftest import REPO, TEST_CONFIGS


def config(**kwargs) -> Config:
    return Config(dict(default_scope='mmdmgan', **kwargs))


def test_misspelt_checkpoint_hook_key_names_key_and_suggestion():
    cfg = config(default_hooks=dict(
        timer=dict(type='IterTimerHook'),
        checkpoint=dict(type='AtomicCheckpointHook', intervl=1, by_epoch=False)))
    with pytest.raises(TypeError, match=r"default_hooks.checkpoint \(AtomicCheckpointHook\): "
                                        r"unknown argument 'intervl'; did you mean 'interval'"):
        check_hooks(cfg)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, priority='VERY_LOW')
    check_hooks(cfg)  # MMEngine's own hook, and `priority` is the runner's key


def test_custom_hooks_and_unregistered_types():
    with pytest.raises(TypeError, match=r"custom_hooks\[1\] \(EMAHook\): unknown argument "
                                        r"'momentom'; did you mean 'momentum'"):
        check_hooks(config(custom_hooks=[dict(type='RNGStateHook'),
                                         dict(type='EMAHook', momentom=0.01)]))
    check_hooks(config(custom_hooks=[dict(type='EMAHook', momentum=0.01, interval=2)]))
    with pytest.raises(KeyError, match="'CheckpoinHook' is not registered; did you mean "
                                       "'CheckpointHook'"):
        check_hooks(config(default_hooks=dict(checkpoint=dict(type='CheckpoinHook'))))
    check_hooks(config(default_hooks=dict(logger=None)))  # a disabled default hook


def test_kwargs_with_unknown_destination_are_not_checked():
    class ForwardingHook(Hook):
        def __init__(self, interval: int = 1, **kwargs) -> None:
            self.extra = kwargs

    class StrictHook(ForwardingHook):
        def __init__(self, limit: int = 3) -> None:
            super().__init__()

    assert hook_parameters(ForwardingHook, {}) is None
    assert hook_parameters(StrictHook, {}) == {'limit'}
    assert hook_parameters(HOOKS.get('RNGStateHook'), {}) == set()


def test_top_level_typo_of_an_unset_runner_key_warns_and_variables_do_not():
    cfg = config(model=dict(type='X'), train_dataloder=dict(), data_root='data/birds',
                 damsm_checkpoint='x.pth', words_num=18, inception_weights='w.pth')
    with pytest.warns(UserWarning, match="'train_dataloder' .* did you mean 'train_dataloader'"):
        messages = check_top_level_keys(cfg)
    assert len(messages) == 1
    # The runner setting is present: a close variable name is a variable, not a typo.
    cfg = config(model=dict(type='X'), train_dataloader=dict(), train_dataloder=dict())
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert check_top_level_keys(cfg) == []


# Every config of the repository (the MMagic example needs MMagic: tests/test_mmagic_interop.py).
SHIPPED_CONFIGS = sorted(
    str(path.relative_to(REPO / 'configs')) for path in (REPO / 'configs').glob('**/*.py')
    if not {'_base_', 'mmagic_example'} & set(path.parts))


@pytest.mark.parametrize('name', SHIPPED_CONFIGS)
def test_shipped_configs_pass(name):
    cfg = Config.fromfile(str(REPO / 'configs' / name))
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        validate_runner_config(cfg)


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_tools_fail_before_building_the_runner(tool, tmp_path):
    checkpoint = tmp_path / 'never_read.pth'
    checkpoint.write_bytes(b'not a checkpoint: the config check comes first')
    result = subprocess.run(
        [sys.executable, f'tools/{tool}.py', str(TEST_CONFIGS / 'dmgan_tiny.py')]
        + ([str(checkpoint)] if tool == 'test' else [])
        + ['--work-dir', str(tmp_path), '--cfg-options', 'default_hooks.checkpoint.intervl=1'],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TEST_CONFIGS)])))
    assert result.returncode != 0
    assert "unknown argument 'intervl'; did you mean 'interval'" in result.stderr
    assert 'Iter(train)' not in result.stdout + result.stderr
    assert not list(tmp_path.glob('*/vis_data'))  # the runner was never built
