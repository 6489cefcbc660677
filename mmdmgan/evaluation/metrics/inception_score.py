"""Inception Score as an MMEngine metric."""
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmdmgan.evaluation.functional import inception_score
from mmdmgan.evaluation.inception import InceptionFeatureExtractor
from mmdmgan.registry import METRICS

from .sample_fields import build_inception, result_key, stack_images


@METRICS.register_module()
class DMGANInceptionScore(BaseMetric):
    """Inception Score of generated images (mean ± std over ``splits`` parts).

    ``process`` runs the Inception network on the ``fake_key`` images of each batch and keeps
    the softmax class probabilities (one result per sample, gathered across ranks by
    MMEngine); ``compute_metrics`` applies
    :func:`~mmdmgan.evaluation.functional.inception_score` to them, in dataset order.

    Results: ``is`` and ``is_std`` (suffixed ``_RANDOM_INCEPTION`` with random weights).

    Args:
        inception (dict | InceptionFeatureExtractor): extractor config, e.g.
            ``dict(style='pytorch_fid',
            weights='data/weights/pt_inception-2015-12-05-6726825d.pth')``
            (the TF Inception of the improved-GAN IS script, 1008 classes), or a built one.
        splits (int): parts of the score. Defaults to 10.
        fake_key (str): data-sample field of the 3×H×W generated image in [-1, 1] (or uint8).
            Defaults to ``'fake_img'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for gathering results across ranks.
        prefix (str, optional): prefix of the result keys. Defaults to ``'IS'``
            (keys like ``'IS/...'``).
    """

    default_prefix = 'IS'

    def __init__(self,
                 inception: Union[dict, InceptionFeatureExtractor],
                 splits: int = 10,
                 fake_key: str = 'fake_img',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.inception = build_inception(inception)
        self.splits = splits
        self.fake_key = fake_key

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep the class probabilities of each generated image of the batch."""
        images = stack_images(data_samples, self.fake_key, type(self).__name__)
        self.inception.to(images.device)
        _, logits = self.inception(images)
        probs = torch.softmax(logits.double(), dim=1).float().cpu().numpy()
        self.results.extend({'probs': row} for row in probs)

    def compute_metrics(self, results: List[dict]) -> dict:
        """IS over all gathered samples."""
        mean, std = inception_score(np.stack([result['probs'] for result in results]),
                                    splits=self.splits)
        return {result_key('is', self.inception): mean,
                result_key('is_std', self.inception): std}
