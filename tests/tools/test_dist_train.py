import torch

import mmdmgan  # noqa: F401  (lets torch.load read MMEngine checkpoints safely)


def is_batch_statistic(key: str) -> bool:
    # DDP broadcasts buffers from rank 0 at the START of each forward, so after the last
    # forward every rank holds the BatchNorm statistics of its own last batch (only rank 0's
    # are saved). Parameters and all other buffers must agree exactly.
    return key.rsplit('.', 1)[-1] in ('running_mean', 'running_var', 'num_batches_tracked')


def test_two_process_cpu_training_keeps_replicas_identical(tmp_path, run_tool, test_configs):
    run_tool(['tools/dist_train.sh', test_configs / 'dmgan_tiny.py', '2', '--work-dir', tmp_path,
              '--cfg-options', 'train_cfg.max_iters=4'], timeout=600)
    rank0 = torch.load(tmp_path / 'rank0_weights.pth', weights_only=True)
    rank1 = torch.load(tmp_path / 'rank1_weights.pth', weights_only=True)
    initial = torch.load(tmp_path / 'rank0_initial.pth', weights_only=True)
    # The wrapped model's keys are those of the unwrapped one (no '<name>.module.').
    for prefix in ('generator.', 'discriminators.0.', 'discriminators.1.', 'generator_ema.'):
        assert any(not torch.equal(rank0[key], initial[key]) for key in rank0
                   if key.startswith(prefix)), f'{prefix} did not train'
    compared = [key for key in rank0 if not is_batch_statistic(key)]
    assert any(key.startswith('discriminators.') for key in compared)
    for key in compared:
        torch.testing.assert_close(rank1[key], rank0[key], rtol=0, atol=0, msg=key)
    assert (tmp_path / 'iter_4.pth').is_file()
    checkpoint = torch.load(tmp_path / 'iter_4.pth', weights_only=True)
    assert len(checkpoint['rng_states']) == 2  # one per rank
