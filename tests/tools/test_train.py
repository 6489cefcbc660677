import pytest
import torch
from mmengine.config import Config

import mmdmgan  # noqa: F401  (lets torch.load read MMEngine checkpoints safely)
from tests.conftest import REPO, load_script


def final_weights(work_dir):
    return torch.load(work_dir / 'rank0_weights.pth', weights_only=True)


def test_train_saves_and_resume_matches_uninterrupted_run(tmp_path, run_tool, test_configs):
    straight, interrupted = tmp_path / 'straight', tmp_path / 'interrupted'
    run_tool(['tools/train.py', test_configs / 'dmgan_tiny.py', '--work-dir', straight,
              '--cfg-options', 'train_cfg.max_iters=4'])
    run_tool(['tools/train.py', test_configs / 'dmgan_tiny.py', '--work-dir', interrupted,
              '--cfg-options', 'train_cfg.max_iters=2'])
    assert (interrupted / 'iter_2.pth').is_file()
    result = run_tool(['tools/train.py', test_configs / 'dmgan_tiny.py', '--work-dir', interrupted,
                       '--resume', '--cfg-options', 'train_cfg.max_iters=4'])
    assert 'resumed' in (result.stdout + result.stderr).lower()
    assert (interrupted / 'iter_4.pth').is_file()
    assert (interrupted / 'vis' / 'iter_4.png').is_file()  # sampling did not disturb training
    checkpoint = torch.load(interrupted / 'iter_4.pth', weights_only=True)
    assert {'generator', 'discriminators'} <= set(checkpoint['optimizer'])
    assert any(key.startswith('generator_ema.') for key in checkpoint['state_dict'])
    assert len(checkpoint['rng_states']) == 1

    expected, resumed = final_weights(straight), final_weights(interrupted)
    assert expected.keys() == resumed.keys()
    for key in expected:
        torch.testing.assert_close(resumed[key], expected[key], rtol=0, atol=0)


def test_resume_from_explicit_checkpoint_restores_iteration(tmp_path, run_tool, test_configs):
    run_tool(['tools/train.py', test_configs / 'dmgan_tiny.py', '--work-dir', tmp_path,
              '--cfg-options', 'train_cfg.max_iters=2'])
    result = run_tool(['tools/train.py', test_configs / 'dmgan_tiny.py', '--work-dir', tmp_path,
                       '--resume', tmp_path / 'iter_2.pth',
                       '--cfg-options', 'train_cfg.max_iters=3'])
    log = result.stdout + result.stderr
    assert '[3/' in log and '[1/' not in log.split('resumed', 1)[-1]
    checkpoint = torch.load(tmp_path / 'iter_3.pth', weights_only=True)
    assert checkpoint['meta']['iter'] == 3


def test_missing_config_is_a_clear_error(tmp_path, run_tool):
    with pytest.raises(AssertionError, match='config file not found'):
        run_tool(['tools/train.py', tmp_path / 'nope.py'])


def load_train_tool():
    return load_script('tools/train.py')


@pytest.mark.parametrize('bf16, expected', [
    (True, dict(dtype='bfloat16', loss_scale=dict(enabled=False))),
    (False, dict(dtype='float16', loss_scale='dynamic')),
])
def test_amp_picks_bf16_where_supported_else_fp16_with_loss_scaling(monkeypatch, bf16, expected):
    tool = load_train_tool()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: bf16)
    cfg = Config.fromfile(str(REPO / 'tests' / 'configs' / 'dmgan_tiny.py'),
                         import_custom_modules=False)
    tool.enable_amp(cfg)
    for name in ('generator', 'discriminators'):
        wrapper = cfg.optim_wrapper[name]
        assert wrapper.type == 'AmpOptimWrapper'
        assert {key: wrapper[key] for key in expected} == expected


def test_amp_on_cpu_is_a_clear_error(monkeypatch):
    tool = load_train_tool()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(RuntimeError, match='--amp needs a CUDA GPU'):
        tool.amp_settings()
