"""Fréchet Inception Distance as an MMEngine metric, with cached real statistics."""
import os
import tempfile
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from torch import Tensor

from mmdmgan.evaluation.functional import feature_statistics, frechet_distance
from mmdmgan.evaluation.inception import InceptionFeatureExtractor
from mmdmgan.registry import METRICS

from .sample_fields import build_inception, result_key, stack_images

Statistics = Tuple[np.ndarray, np.ndarray]


def load_statistics(path: Union[str, Path]) -> Statistics:
    """``(mu, sigma)`` from an ``.npz`` with arrays ``mu`` and ``sigma`` (TTUR format)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'FID real-statistics file not found: {str(path)!r}')
    with np.load(path) as statistics:
        if 'mu' not in statistics or 'sigma' not in statistics:
            raise KeyError(f'{str(path)!r} must hold arrays `mu` and `sigma`, has '
                           f'{sorted(statistics.keys())}')
        return statistics['mu'], statistics['sigma']


def save_statistics_atomically(path: Union[str, Path], mu: np.ndarray, sigma: np.ndarray,
                               num_images: int) -> None:
    """Write ``mu``/``sigma`` to ``path`` via a temporary file and ``os.replace``.

    Readers (other ranks, other runs) see either no file or a complete one, never a partial
    write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.',
                                             suffix='.tmp')
    try:
        with os.fdopen(descriptor, 'wb') as file:
            np.savez(file, mu=mu, sigma=sigma, num_images=num_images)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@METRICS.register_module()
class DMGANFID(BaseMetric):
    """Fréchet Inception Distance between generated and real images.

    ``process`` keeps the 2048-d Inception pool features of the ``fake_key`` images and,
    while no real statistics are available, of the ``real_key`` images of the same samples.
    ``compute_metrics`` fits a Gaussian to each set and returns
    :func:`~mmdmgan.evaluation.functional.frechet_distance`.

    Real statistics come from, in this order:

    1. ``real_stats_file``: a fixed ``.npz`` with ``mu``/``sigma`` (e.g. the reference's
       ``bird_val.npz``; only meaningful with the Inception it was computed with). Read-only.
    2. the cache ``{cache_dir}/{dataset_name}-{inception.weights_tag}-{H}x{W}.npz`` (H×W is
       the evaluation resolution, that of the generated images), written atomically the first
       time they are computed, so later evaluations skip (and need no) real images. In
       distributed runs ``cache_dir`` must be on a file system all ranks share.
    3. the real images of the evaluated samples (each sample counts once, so a test set that
       is looped over several times weighs its images equally).

    Results: ``fid`` (suffixed ``_RANDOM_INCEPTION`` with random weights).

    Args:
        inception (dict | InceptionFeatureExtractor): extractor config, e.g.
            ``dict(style='pytorch_fid',
            weights='data/weights/pt_inception-2015-12-05-6726825d.pth')``,
            or a built one.
        dataset_name (str, optional): names the cache file (e.g. ``'cub_test'``). Needed
            when ``cache_dir`` is set.
        cache_dir (str, optional): folder of cached real statistics; ``None`` disables the
            cache. Defaults to ``'work_dirs/fid_cache'``.
        real_stats_file (str, optional): fixed real statistics (see above).
        fake_key (str): field of the generated 3×H×W image, float [-1, 1] or uint8.
            Defaults to ``'fake_img'``.
        real_key (str): field of the real 3×H×W image, uint8 [0, 255] (pipeline output) or
            float [-1, 1] (after the data preprocessor); RGB. Defaults to ``'gt_img'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for gathering results across ranks.
        prefix (str, optional): prefix of the result keys. Defaults to ``'FID'``
            (keys like ``'FID/...'``).
    """

    default_prefix = 'FID'

    def __init__(self,
                 inception: Union[dict, InceptionFeatureExtractor],
                 dataset_name: Optional[str] = None,
                 cache_dir: Optional[str] = 'work_dirs/fid_cache',
                 real_stats_file: Optional[str] = None,
                 fake_key: str = 'fake_img',
                 real_key: str = 'gt_img',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if cache_dir is not None and real_stats_file is None and not dataset_name:
            raise ValueError('FID: set `dataset_name` (it names the real-statistics cache file) '
                             'or disable the cache with `cache_dir=None`')
        self.inception = build_inception(inception)
        self.dataset_name = dataset_name
        self.cache_dir = cache_dir
        self.fake_key = fake_key
        self.real_key = real_key
        self.cache_path: Optional[Path] = None
        self.real_statistics: Optional[Statistics] = (
            load_statistics(real_stats_file) if real_stats_file is not None else None)

    def _cache_path_for(self, fakes: Tensor) -> Optional[Path]:
        if self.cache_dir is None:
            return None
        height, width = fakes.shape[-2:]
        name = f'{self.dataset_name}-{self.inception.weights_tag}-{height}x{width}.npz'
        return Path(self.cache_dir) / name

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep the pool features of the generated (and, if still needed, real) images."""
        fakes = stack_images(data_samples, self.fake_key, 'FID')
        if self.real_statistics is None:
            self.cache_path = self._cache_path_for(fakes)
            if self.cache_path is not None and self.cache_path.is_file():
                self.real_statistics = load_statistics(self.cache_path)
        self.inception.to(fakes.device)
        results = [{'fake_feature': row} for row in
                   self.inception(fakes)[0].cpu().numpy()]
        if self.real_statistics is None:
            reals = stack_images(data_samples, self.real_key, 'FID').to(fakes.device)
            for result, row in zip(results, self.inception(reals)[0].cpu().numpy()):
                result['real_feature'] = row
        self.results.extend(results)

    def _real_statistics_from(self, results: List[dict]) -> Statistics:
        real_features = [result['real_feature'] for result in results if 'real_feature' in result]
        if len(real_features) != len(results):
            raise RuntimeError(
                f'FID: real features for only {len(real_features)} of {len(results)} samples; '
                'some ranks found the real-statistics cache and others did not. Put cache_dir '
                'on a file system that all ranks share.')
        mu, sigma = feature_statistics(np.stack(real_features))
        if self.cache_path is not None:
            save_statistics_atomically(self.cache_path, mu, sigma, len(real_features))
        return mu, sigma

    def compute_metrics(self, results: List[dict]) -> dict:
        """FID of all gathered samples against the real statistics."""
        if self.real_statistics is None:
            self.real_statistics = self._real_statistics_from(results)
        fake_mu, fake_sigma = feature_statistics(
            np.stack([result['fake_feature'] for result in results]))
        return {result_key('fid', self.inception):
                frechet_distance(fake_mu, fake_sigma, *self.real_statistics)}
