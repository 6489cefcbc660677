"""R-precision with the DAMSM encoders as an MMEngine metric."""
from typing import Any, Hashable, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor, nn

from mmdmgan.evaluation.functional import draw_mismatched_indices, fold_mean_std, r_precision_hits
from mmdmgan.registry import METRICS

from .sample_fields import build_frozen_module, sample_field, stack_images

#: Samples ranked at once in compute_metrics (bounds the N×K×D candidate array).
RANKING_CHUNK = 256


def _as_group(value: Any) -> Hashable:
    if isinstance(value, Tensor):
        return value.item() if value.numel() == 1 else tuple(value.flatten().tolist())
    if isinstance(value, np.ndarray):
        return value.item() if value.size == 1 else tuple(value.flatten().tolist())
    return value


@METRICS.register_module()
class RPrecision(BaseMetric):
    """R-precision: how often a generated image retrieves its own caption among 100.

    Each generated image's global DAMSM feature is compared by cosine similarity with the
    sentence feature of its own caption and of ``num_mismatched`` captions of samples from
    other groups (other classes for CUB, other images for COCO); a hit is the own caption
    ranked first. The result is the mean ± std over ``num_folds`` folds of the hit rate
    (fractions in [0, 1]; the paper prints percentages).

    Features per sample (``process``):

    - image: ``data_sample[image_feature_key]`` (256-d) when the model provides it, otherwise
      ``image_encoder(fake_img)[1]`` (the global feature of ``DAMSMImageEncoder``).
    - sentence: ``data_sample[sentence_feature_key]`` (256-d) when provided, otherwise
      ``text_encoder(caption_ids, caption_len)[1]`` with the sample's 1-D ``caption_ids``
      (zero-padded to the batch's longest) and ``caption_len``.
    - group: ``data_sample[group_key]`` (e.g. ``class_id``); ``group_key=None`` makes every
      sample its own group.

    Mismatched captions (``compute_metrics``, after results are gathered from all ranks) are
    the sentence features of other evaluated samples, drawn with
    :func:`~mmdmgan.evaluation.functional.draw_mismatched_indices` (seeded, distinct samples,
    different group). The reference draws them from the whole test split; when the evaluated
    samples cover the test split (as the 30,000-sample protocol does) the two agree.

    Args:
        text_encoder (dict | nn.Module, optional): DAMSM text encoder config (built with
            ``MODELS.build``, then ``init_weights()`` — give it an ``init_cfg`` of type
            ``'Pretrained'``) or a built module; forward(caption_ids B×T, caption_len B) ->
            (words B×D×T, sentence B×D). Not needed when samples carry sentence features.
        image_encoder (dict | nn.Module, optional): DAMSM image encoder config or module;
            forward(img B×3×H×W in [-1, 1]) -> (local B×D×17×17, global B×D). Not needed when
            samples carry image features.
        num_mismatched (int): mismatched captions per image. Defaults to 99.
        num_folds (int): folds of the mean ± std. Defaults to 10.
        seed (int): seed of the mismatched draw and the fold shuffle. Defaults to 0.
        group_key (str, optional): field whose equal values may not be mismatched captions of
            each other. Defaults to ``'class_id'``.
        fake_key (str): field of the generated image. Defaults to ``'fake_img'``.
        image_feature_key (str): field of a precomputed global image feature.
            Defaults to ``'image_feature'``.
        sentence_feature_key (str): field of a precomputed sentence feature.
            Defaults to ``'sentence_feature'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for gathering results across ranks.
        prefix (str, optional): prefix of the result keys. Defaults to ``'RPrecision'``
            (keys like ``'RPrecision/...'``).
    """

    default_prefix = 'RPrecision'

    def __init__(self,
                 text_encoder: Optional[Union[dict, nn.Module]] = None,
                 image_encoder: Optional[Union[dict, nn.Module]] = None,
                 num_mismatched: int = 99,
                 num_folds: int = 10,
                 seed: int = 0,
                 group_key: Optional[str] = 'class_id',
                 fake_key: str = 'fake_img',
                 image_feature_key: str = 'image_feature',
                 sentence_feature_key: str = 'sentence_feature',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.text_encoder = (None if text_encoder is None else
                             build_frozen_module(text_encoder, 'RPrecision text_encoder'))
        self.image_encoder = (None if image_encoder is None else
                              build_frozen_module(image_encoder, 'RPrecision image_encoder'))
        self.num_mismatched = num_mismatched
        self.num_folds = num_folds
        self.seed = seed
        self.group_key = group_key
        self.fake_key = fake_key
        self.image_feature_key = image_feature_key
        self.sentence_feature_key = sentence_feature_key

    def _provided_features(self, data_samples: Sequence[Any], key: str) -> Optional[Tensor]:
        if not all(sample.get(key, None) is not None for sample in data_samples):
            return None
        return torch.stack([torch.as_tensor(sample.get(key)).float().reshape(-1)
                            for sample in data_samples])

    @torch.no_grad()
    def _image_features(self, data_samples: Sequence[Any]) -> Tensor:
        provided = self._provided_features(data_samples, self.image_feature_key)
        if provided is not None:
            return provided
        if self.image_encoder is None:
            raise ValueError(f'RPrecision: samples have no {self.image_feature_key!r}; configure '
                             'an image_encoder (DAMSM) or let the model provide the features')
        images = stack_images(data_samples, self.fake_key, 'RPrecision')
        self.image_encoder.to(images.device)
        return self.image_encoder(images)[1]

    @torch.no_grad()
    def _sentence_features(self, data_samples: Sequence[Any]) -> Tensor:
        provided = self._provided_features(data_samples, self.sentence_feature_key)
        if provided is not None:
            return provided
        if self.text_encoder is None:
            raise ValueError(f'RPrecision: samples have no {self.sentence_feature_key!r}; '
                             'configure a text_encoder (DAMSM) or let the model provide them')
        captions = [torch.as_tensor(sample_field(sample, 'caption_ids', 'RPrecision')).reshape(-1)
                    for sample in data_samples]
        lengths = torch.as_tensor([int(sample_field(sample, 'caption_len', 'RPrecision'))
                                   for sample in data_samples])
        padded = torch.zeros(len(captions), max(len(caption) for caption in captions),
                             dtype=torch.long)
        for row, caption in enumerate(captions):
            padded[row, :len(caption)] = caption
        # Packed RNNs need lengths in decreasing order; undo the sort afterwards.
        order = torch.argsort(lengths, descending=True)
        fake_image = data_samples[0].get(self.fake_key, None)
        device = fake_image.device if isinstance(fake_image, Tensor) else torch.device('cpu')
        self.text_encoder.to(device)
        _, sentences = self.text_encoder(padded[order].to(device), lengths[order].to(device))
        return sentences[torch.argsort(order)]

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep each sample's image feature, sentence feature and group."""
        image_features = self._image_features(data_samples).float().cpu().numpy()
        sentence_features = self._sentence_features(data_samples).float().cpu().numpy()
        for sample, image_feature, sentence_feature in zip(data_samples, image_features,
                                                           sentence_features):
            group = (None if self.group_key is None else
                     _as_group(sample_field(sample, self.group_key, 'RPrecision')))
            self.results.append({'image_feature': image_feature,
                                 'sentence_feature': sentence_feature, 'group': group})

    def compute_metrics(self, results: List[dict]) -> dict:
        """R-precision over all gathered samples."""
        image_features = np.stack([result['image_feature'] for result in results])
        sentence_features = np.stack([result['sentence_feature'] for result in results])
        groups = (list(range(len(results))) if self.group_key is None else
                  [result['group'] for result in results])
        mismatched = draw_mismatched_indices(groups, self.num_mismatched, self.seed)
        hits = np.empty(len(results), dtype=bool)
        for start in range(0, len(results), RANKING_CHUNK):
            rows = slice(start, start + RANKING_CHUNK)
            candidates = np.concatenate([sentence_features[rows, None],
                                         sentence_features[mismatched[rows]]], axis=1)
            hits[rows] = r_precision_hits(image_features[rows], candidates)
        mean, std = fold_mean_std(hits, self.num_folds, self.seed)
        return {'r_precision': mean, 'r_precision_std': std}
