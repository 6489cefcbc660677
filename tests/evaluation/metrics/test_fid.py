import numpy as np
import pytest
import torch

from mmdmgan.evaluation.functional import feature_statistics, frechet_distance
from mmdmgan.evaluation.metrics import DMGANFID
from mmdmgan.evaluation.metrics import fid as fid_module


@pytest.fixture(scope='module')
def images():
    generator = torch.Generator().manual_seed(0)
    fakes = torch.rand(6, 3, 32, 32, generator=generator) * 2 - 1
    reals = torch.randint(0, 256, (6, 3, 32, 32), generator=generator, dtype=torch.uint8)
    return fakes, reals


def run(metric, fakes, reals=None):
    for start in (0, 3):
        metric.process({}, [{'fake_img': fakes[index]} if reals is None else
                            {'fake_img': fakes[index], 'gt_img': reals[index]}
                            for index in range(start, start + 3)])
    return metric.evaluate(size=len(fakes))


def test_fid_equals_formula_and_cache_is_written_once_and_reused(tmp_path, random_inception,
                                                                  images):
    fakes, reals = images
    # Real images as the pipeline gives them (uint8) and after the preprocessor ([-1, 1]).
    mixed_reals = [reals[index] if index < 3 else reals[index].float() / 127.5 - 1
                   for index in range(6)]
    metric = DMGANFID(inception=random_inception, dataset_name='toy', cache_dir=str(tmp_path))
    value = run(metric, fakes, mixed_reals)['FID/fid_RANDOM_INCEPTION']
    fake_features = random_inception(fakes)[0].numpy()
    real_features = random_inception(reals.float() / 127.5 - 1)[0].numpy()
    expected = frechet_distance(*feature_statistics(fake_features),
                                *feature_statistics(real_features))
    assert value == pytest.approx(expected, rel=1e-4)

    cache = tmp_path / f'toy-{random_inception.weights_tag}-32x32.npz'
    assert sorted(path.name for path in tmp_path.iterdir()) == [cache.name]  # no temp left
    with np.load(cache) as statistics:
        np.testing.assert_allclose(statistics['mu'], real_features.mean(0), rtol=1e-5)
        assert int(statistics['num_images']) == 6
    written_at = cache.stat().st_mtime_ns
    # A new metric reuses the cache: real images are no longer needed (nor looked at).
    reused = DMGANFID(inception=random_inception, dataset_name='toy', cache_dir=str(tmp_path))
    assert run(reused, fakes)['FID/fid_RANDOM_INCEPTION'] == pytest.approx(value, rel=1e-6)
    assert reused.real_statistics is not None and cache.stat().st_mtime_ns == written_at


def test_fixed_real_statistics_file_replaces_real_images(tmp_path, random_inception, images):
    mu, sigma = np.arange(2048.0), np.eye(2048)
    path = tmp_path / 'real.npz'
    np.savez(path, mu=mu, sigma=sigma)
    metric = DMGANFID(inception=random_inception, real_stats_file=str(path), cache_dir=None)
    np.testing.assert_array_equal(metric.real_statistics[0], mu)
    metric.process({}, [{'fake_img': image} for image in images[0][:2]])  # no gt_img needed
    assert [sorted(result) for result in metric.results] == [['fake_feature']] * 2
    assert list(tmp_path.iterdir()) == [path]  # never written
    with pytest.raises(FileNotFoundError, match='missing.npz'):
        DMGANFID(inception=random_inception, real_stats_file=str(tmp_path / 'missing.npz'))


def test_failed_cache_write_leaves_no_file(tmp_path, monkeypatch):
    def failing_savez(file, **arrays):
        file.write(b'partial')
        raise OSError('disk full')

    monkeypatch.setattr(fid_module.np, 'savez', failing_savez)
    with pytest.raises(OSError, match='disk full'):
        fid_module.save_statistics_atomically(tmp_path / 'stats.npz', np.zeros(2), np.eye(2), 3)
    assert list(tmp_path.iterdir()) == []


def test_configuration_and_input_errors(random_inception, images):
    with pytest.raises(ValueError, match='dataset_name'):
        DMGANFID(inception=random_inception)
    metric = DMGANFID(inception=random_inception, cache_dir=None)
    bad_real = torch.full((3, 32, 32), 200.0)
    with pytest.raises(ValueError, match=r"'gt_img' must be in \[-1, 1\]"):
        metric.process({}, [{'fake_img': images[0][0], 'gt_img': bad_real}])
