"""Reading metric inputs out of the data samples that a model's ``test_step`` returns."""
from typing import Any, Sequence, Union

import torch
from torch import Tensor, nn

from mmdmgan.evaluation.inception import InceptionFeatureExtractor
from mmdmgan.registry import MODELS


def sample_field(sample: Any, key: str, metric: str) -> Any:
    """``sample[key]`` of a data sample (dict or ``BaseDataElement``), or a clear error."""
    value = sample.get(key, None)
    if value is None:
        present = sorted(sample.keys()) if hasattr(sample, 'keys') else type(sample).__name__
        raise KeyError(f'{metric}: data sample has no field {key!r} (fields: {present}). The '
                       "model's test_step must put it there, or set the metric's key option.")
    return value


def image_in_model_range(image: Tensor, key: str, metric: str) -> Tensor:
    """A 3×H×W image as float in [-1, 1]: uint8 is mapped from [0, 255], float is checked."""
    if not isinstance(image, Tensor) or image.ndim != 3 or image.shape[0] != 3:
        shape = tuple(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f'{metric}: field {key!r} must be a 3×H×W RGB tensor, got {shape}')
    if image.dtype == torch.uint8:
        return image.float() / 127.5 - 1
    image = image.float()
    low, high = image.min().item(), image.max().item()
    if low < -1.01 or high > 1.01:
        raise ValueError(f'{metric}: float field {key!r} must be in [-1, 1], got values in '
                         f'[{low:.3g}, {high:.3g}]; pass uint8 [0, 255] or [-1, 1] images')
    return image.clamp(-1, 1)


def stack_images(data_samples: Sequence[Any], key: str, metric: str) -> Tensor:
    """B×3×H×W float [-1, 1] batch of the ``key`` images of ``data_samples``."""
    return torch.stack([image_in_model_range(sample_field(sample, key, metric), key, metric)
                        for sample in data_samples])


def build_frozen_module(module: Union[dict, nn.Module], what: str) -> nn.Module:
    """A built module from a config (``MODELS.build``) or as given, in eval mode, frozen.

    Built from a config, ``init_weights()`` runs once, so an ``init_cfg`` of type
    ``'Pretrained'`` loads the checkpoint.
    """
    if isinstance(module, dict):
        module = MODELS.build(module)
        if hasattr(module, 'init_weights'):
            module.init_weights()
    elif not isinstance(module, nn.Module):
        raise TypeError(f'{what} must be a config dict or an nn.Module, got {type(module)}')
    module.eval()
    module.requires_grad_(False)
    return module


def build_inception(inception: Union[dict, InceptionFeatureExtractor]) -> InceptionFeatureExtractor:
    """An :class:`InceptionFeatureExtractor` from its config (``type`` optional) or as given."""
    if isinstance(inception, dict):
        inception = MODELS.build({'type': 'InceptionFeatureExtractor', **inception})
    if not isinstance(inception, InceptionFeatureExtractor):
        raise TypeError('inception must be a config dict or an InceptionFeatureExtractor, got '
                        f'{type(inception)}')
    return inception


def result_key(name: str, inception: InceptionFeatureExtractor) -> str:
    """``name``, or ``name + '_RANDOM_INCEPTION'`` when the extractor has random weights."""
    return f'{name}_RANDOM_INCEPTION' if inception.is_random else name
