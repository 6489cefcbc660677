import torch


def test_two_process_cpu_training_keeps_replicas_identical(tmp_path, run_tool, test_configs):
    run_tool(['tools/dist_train.sh', test_configs / 'toy_gan.py', '2', '--work-dir', tmp_path,
              '--cfg-options', 'train_cfg.max_iters=4'], timeout=600)
    rank0 = torch.load(tmp_path / 'rank0_weights.pth', weights_only=True)
    rank1 = torch.load(tmp_path / 'rank1_weights.pth', weights_only=True)
    initial = torch.load(tmp_path / 'rank0_initial.pth', weights_only=True)
    assert any(not torch.equal(rank0[key], initial[key]) for key in rank0)  # it trained
    for key in rank0:
        torch.testing.assert_close(rank1[key], rank0[key], rtol=0, atol=0)
    assert (tmp_path / 'iter_4.pth').is_file()
