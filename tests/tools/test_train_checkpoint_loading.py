"""tools/train.py: load_from / --resume refuse a checkpoint that does not fit the config (before
any training step) unless load_from_strict=False, and read checkpoints whose keys carry DDP
wrapper segments (written by multi-process runs before saving became wrapper-free)."""
import pytest
import torch

import mmdmgan  # noqa: F401  (lets torch.load read MMEngine checkpoints safely)


def train(run_tool, test_configs, work_dir, *args):
    result = run_tool(['tools/train.py', test_configs / 'dmgan_tiny.py', '--work-dir', work_dir,
                       *args])
    return result.stdout + result.stderr


def refused(run_tool, test_configs, work_dir, *args) -> str:
    with pytest.raises(AssertionError) as failure:
        train(run_tool, test_configs, work_dir, *args)
    log = str(failure.value)
    assert 'CheckpointMismatchError' in log and 'does not fit the model of the config' in log
    assert 'Iter(train)' not in log and not list(work_dir.glob('iter_*.pth'))  # no step ran
    return log


def test_resume_with_another_gf_dim_is_refused_before_any_step(tmp_path, run_tool,
                                                               test_configs,
                                                               tiny_dmgan_checkpoint):
    log = refused(run_tool, test_configs, tmp_path, '--resume', tiny_dmgan_checkpoint,
                  '--cfg-options', 'model.generator.gf_dim=8', 'train_cfg.max_iters=3')
    assert 'model.generator.gf_dim 4 vs 8' in log
    assert 'shape mismatches' in log


@pytest.mark.slow
def test_load_from_that_does_not_fit_is_refused_unless_opted_out(tmp_path, run_tool,
                                                                 test_configs,
                                                                 tiny_dmgan_checkpoint):
    options = ['--cfg-options', f'load_from={tiny_dmgan_checkpoint}',
               'model.discriminator.df_dim=8', 'train_cfg.max_iters=1']
    log = refused(run_tool, test_configs, tmp_path / 'strict', *options)
    assert 'model.discriminator.df_dim 4 vs 8' in log and 'load_from_strict=False' in log

    log = train(run_tool, test_configs, tmp_path / 'partial', *options, 'load_from_strict=False')
    assert 'loading only the weights that fit' in log
    start = torch.load(tmp_path / 'partial' / 'rank0_initial.pth', weights_only=True)
    checkpoint = torch.load(tiny_dmgan_checkpoint, weights_only=True)['state_dict']
    generator = [key for key in checkpoint if key.startswith('generator.')]
    assert generator and all(torch.equal(start[key], checkpoint[key]) for key in generator)


@pytest.mark.slow
def test_load_from_without_frozen_encoders_or_ema_keeps_the_configured_ones(
        tmp_path, run_tool, test_configs, tiny_dmgan_checkpoint):
    """tools/strip_encoders.py output (no DAMSM encoders) and a converted original release
    (no EMA): the encoders stay as configured, the EMA starts from the loaded generator."""
    state = torch.load(tiny_dmgan_checkpoint, weights_only=True)['state_dict']
    gan_only = {key: value for key, value in state.items()
                if not key.startswith(('text_encoder.', 'image_encoder.', 'generator_ema.'))}
    torch.save(dict(state_dict=gan_only), tmp_path / 'gan_only.pth')
    train(run_tool, test_configs, tmp_path / 'work', '--cfg-options',
          f'load_from={tmp_path / "gan_only.pth"}', 'train_cfg.max_iters=1')
    start = torch.load(tmp_path / 'work' / 'rank0_initial.pth', weights_only=True)
    for key, value in gan_only.items():
        assert torch.equal(start[key], value), key
        if key.startswith('generator.'):
            assert torch.equal(start[key.replace('generator.', 'generator_ema.module.', 1)],
                               value), key


@pytest.mark.slow
def test_resume_reads_a_checkpoint_with_wrapper_segments(tmp_path, run_tool, test_configs,
                                                         tiny_dmgan_checkpoint):
    checkpoint = torch.load(tiny_dmgan_checkpoint, weights_only=True)
    plain = checkpoint['state_dict']
    checkpoint['state_dict'] = {
        (key.replace('.', '.module.', 1) if key.startswith(('generator.', 'discriminators.'))
         else key): value for key, value in plain.items()}
    torch.save(checkpoint, tmp_path / 'iter_2.pth')
    log = train(run_tool, test_configs, tmp_path, '--resume', tmp_path / 'iter_2.pth',
                '--cfg-options', 'train_cfg.max_iters=3')
    assert 'do not match exactly' not in log
    start = torch.load(tmp_path / 'rank0_initial.pth', weights_only=True)
    assert list(start) == list(plain)
    assert all(torch.equal(start[key], plain[key]) for key in plain)
