import torch

from mmdmgan.models.dmgan import indexed_noise


def test_each_sample_s_noise_depends_only_on_seed_and_index():
    noise, epsilon = indexed_noise([0, 1, 2, 3], seed=7, noise_dim=5, condition_dim=3)
    assert noise.shape == (4, 5) and epsilon.shape == (4, 3)
    assert noise.dtype == epsilon.dtype == torch.float32
    # Another batching and order of the same samples.
    noise_31, epsilon_31 = indexed_noise([3, 1], seed=7, noise_dim=5, condition_dim=3)
    torch.testing.assert_close(noise_31, noise[[3, 1]], rtol=0, atol=0)
    torch.testing.assert_close(epsilon_31, epsilon[[3, 1]], rtol=0, atol=0)
    # The global RNG plays no part.
    torch.manual_seed(123)
    torch.testing.assert_close(indexed_noise([2], 7, 5, 3)[0], noise[[2]], rtol=0, atol=0)


def test_indices_and_seeds_give_different_noise():
    noise, _ = indexed_noise([0, 1], seed=0, noise_dim=8, condition_dim=2)
    assert not torch.equal(noise[0], noise[1])
    assert not torch.equal(indexed_noise([0], 1, 8, 2)[0][0], noise[0])
