"""Inception-v3 feature extractors for FID and IS, loaded only from local weight files.

Two networks are supported:

- ``style='pytorch_fid'``: pytorch-fid's port of the TensorFlow Inception graph of
  2015-12-05 that the TTUR FID and the improved-GAN IS scripts use
  (``pt_inception-2015-12-05-6726825d.pth``). It differs from torchvision's network in four
  blocks: the average-pool branches of Mixed_5b..5d, 6b..6e and 7b ignore the zero padding
  (TensorFlow's ``SAME`` pooling), the pool branch of Mixed_7c is a max pool, and the
  classifier has 1008 outputs.
- ``style='torchvision'``: torchvision's ImageNet Inception-v3
  (``inception_v3_google-0cc3c7bd.pth``), the network of the pytorch-fid version the DM-GAN
  authors used for their FID. With ``reference_normalisation=True`` the input goes through
  the same quirky normalisation as in their script (see :class:`InceptionFeatureExtractor`).

Random weights are only used when ``allow_random_weights=True`` (tests); the extractor then
says so in its ``weights_tag`` and the metrics mark their result keys.
"""
import logging
import zlib
from pathlib import Path
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor
from torchvision.models.inception import Inception3, InceptionA, InceptionC, InceptionE

from mmdmgan.registry import MODELS
from mmdmgan.utils.random_init import he_init_convolutions_

#: Where the standard weight files are published (for error messages only; nothing downloads).
PUBLISHED_WEIGHTS = {
    'pytorch_fid': ('pt_inception-2015-12-05-6726825d.pth',
                    'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/'
                    'pt_inception-2015-12-05-6726825d.pth'),
    'torchvision': ('inception_v3_google-0cc3c7bd.pth',
                    'https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth'),
}
NUM_CLASSES = {'pytorch_fid': 1008, 'torchvision': 1000}
INPUT_SIZE = 299
# torchvision's ImageNet statistics, used by the reference's normalisation quirk.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# A value this close below an 8-bit level counts as that level when quantising: a uint8 image
# mapped to [-1, 1] (``k / 127.5 - 1``) comes back up to 4e-6 of a level short in float32, and a
# plain floor would move 63 of its 256 levels one down.
LEVEL_TOLERANCE = 1e-4


def tensorflow_average_pool(x: Tensor) -> Tensor:
    """3×3 stride-1 average pool that, like TensorFlow's, ignores the zero padding."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


def max_pool(x: Tensor) -> Tensor:
    """3×3 stride-1 max pool (the pool branch of the TF graph's last block)."""
    return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


class _TensorFlowPoolBranch:
    """Replaces the pool branch of a torchvision Inception block by the TF graph's pooling.

    The torchvision block computes all four branches; its pool branch (the last output) is
    recomputed from ``pool_branch_input(x)``, which costs one extra 1×1 convolution but keeps
    the other branches torchvision's own code.
    """

    pool_branch_input = staticmethod(tensorflow_average_pool)

    def _forward(self, x: Tensor) -> list:
        outputs = super()._forward(x)
        outputs[-1] = self.branch_pool(self.pool_branch_input(x))
        return outputs


class TensorFlowInceptionA(_TensorFlowPoolBranch, InceptionA):
    """InceptionA (Mixed_5b..5d) with TensorFlow's padding-free average pool."""


class TensorFlowInceptionC(_TensorFlowPoolBranch, InceptionC):
    """InceptionC (Mixed_6b..6e) with TensorFlow's padding-free average pool."""


class TensorFlowInceptionE(_TensorFlowPoolBranch, InceptionE):
    """InceptionE (Mixed_7b) with TensorFlow's padding-free average pool."""


class TensorFlowInceptionEMaxPool(_TensorFlowPoolBranch, InceptionE):
    """InceptionE (Mixed_7c) whose pool branch is a max pool in the TF graph."""

    pool_branch_input = staticmethod(max_pool)


def build_inception_network(style: str) -> Inception3:
    """Untrained Inception-v3 with the architecture of ``style`` (no auxiliary classifier)."""
    if style not in NUM_CLASSES:
        raise ValueError(f'Unknown Inception style {style!r}; use one of {sorted(NUM_CLASSES)}')
    # PyTorch's default initialisation: torchvision's truncated-normal one costs seconds and
    # the weights are either loaded or, in tests, anything random.
    network = Inception3(num_classes=NUM_CLASSES[style], aux_logits=False, init_weights=False)
    if style == 'pytorch_fid':
        network.Mixed_5b = TensorFlowInceptionA(192, pool_features=32)
        network.Mixed_5c = TensorFlowInceptionA(256, pool_features=64)
        network.Mixed_5d = TensorFlowInceptionA(288, pool_features=64)
        network.Mixed_6b = TensorFlowInceptionC(768, channels_7x7=128)
        network.Mixed_6c = TensorFlowInceptionC(768, channels_7x7=160)
        network.Mixed_6d = TensorFlowInceptionC(768, channels_7x7=160)
        network.Mixed_6e = TensorFlowInceptionC(768, channels_7x7=192)
        network.Mixed_7b = TensorFlowInceptionE(1280)
        network.Mixed_7c = TensorFlowInceptionEMaxPool(2048)
    return network


def check_weights_file(style: str, weights: str) -> Path:
    """The path of an existing weight file, or an error naming it and the published one."""
    file_name, url = PUBLISHED_WEIGHTS[style]
    path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f'Inception weights file not found: {str(path)!r} (style={style!r}). The standard '
            f'file is {file_name}, published at {url} . Nothing is downloaded at run time: '
            'fetch it yourself and set `weights` in the metric\'s `inception` config.')
    return path


def load_inception_weights(network: Inception3, style: str, weights: str) -> None:
    """Load a local weight file into ``network``; a missing file is a clear error.

    Args:
        network (Inception3): from :func:`build_inception_network` with the same ``style``.
        style (str): ``'pytorch_fid'`` or ``'torchvision'``.
        weights (str): path of the ``.pth`` state dict.
    """
    file_name, _ = PUBLISHED_WEIGHTS[style]
    path = check_weights_file(style, weights)
    state_dict = torch.load(str(path), map_location='cpu', weights_only=True)
    # torchvision's file also holds the auxiliary classifier, which feature extraction skips.
    state_dict = {key: value for key, value in state_dict.items()
                  if not key.startswith('AuxLogits.')}
    try:
        network.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise RuntimeError(f'{str(path)!r} does not fit the {style!r} Inception-v3 (expected '
                           f'{file_name}): {error}') from error


@MODELS.register_module()
class InceptionFeatureExtractor(BaseModule):
    """Frozen Inception-v3 giving 2048-d pool features (FID) and class logits (IS).

    Input images are 3×H×W floats in [-1, 1], RGB. They are first quantised to the 256
    levels of an 8-bit image (the reference saves its samples as PNG and reads them back;
    ``quantise_to_uint8``): level ``floor((x + 1) / 2 * 255)``, except that a value within
    ``LEVEL_TOLERANCE`` (1e-4 of a level) below a level counts as that level, so real uint8
    images given as ``k / 127.5 - 1`` keep every level ``k`` and reach the network as
    pytorch-fid feeds a PNG (``k / 255``, then the steps below). Then they are mapped to
    [0, 1], resized to 299×299 (bilinear,
    ``align_corners=False``) and then normalised:

    - ``pytorch_fid`` and ``torchvision`` with ``reference_normalisation=False``:
      ``2x - 1`` (the [-1, 1] input both networks were trained on).
    - ``torchvision`` with ``reference_normalisation=True``: ``x * std / 0.5 + (mean - 0.5) /
      0.5`` per channel — torchvision's ``transform_input`` conversion, which expects
      ImageNet-standardised input, applied to [0, 1] input as in the pytorch-fid version
      (commit 802da39) used by the DM-GAN authors. The network then sees roughly
      [-0.03, 0.9] instead of [-1, 1]; kept only to reproduce their FID numbers.

    Args:
        style (str): ``'pytorch_fid'`` (TF Inception port; recommended) or ``'torchvision'``.
        weights (str, optional): local ``.pth`` file. ``None`` needs ``allow_random_weights``.
        allow_random_weights (bool): use random weights when ``weights`` is ``None``. For
            tests only: the numbers are meaningless. Defaults to False.
        reference_normalisation (bool): the DM-GAN script's input normalisation (only with
            ``style='torchvision'``). Defaults to True.
        quantise_to_uint8 (bool): round inputs to 8-bit levels first. Defaults to True.
        input_size (int): side the images are resized to. Both networks were trained at 299
            (the default); smaller sizes (>= 75) only make CPU tests fast.
        init_cfg (dict, optional): unused (weights come from ``weights``); for the
            ``BaseModule`` interface.
    """

    def __init__(self,
                 style: str = 'pytorch_fid',
                 weights: Optional[str] = None,
                 allow_random_weights: bool = False,
                 reference_normalisation: bool = True,
                 quantise_to_uint8: bool = True,
                 input_size: int = INPUT_SIZE,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if style not in PUBLISHED_WEIGHTS:
            raise ValueError(f'Unknown Inception style {style!r}; use one of '
                             f'{sorted(PUBLISHED_WEIGHTS)}')
        self.style = style
        self.reference_normalisation = reference_normalisation and style == 'torchvision'
        self.quantise_to_uint8 = quantise_to_uint8
        if input_size < 75:
            raise ValueError(f'Inception-v3 needs input_size >= 75, got {input_size}')
        self.input_size = input_size
        if weights is not None:
            check_weights_file(style, weights)
        elif not allow_random_weights:
            file_name, url = PUBLISHED_WEIGHTS[style]
            raise ValueError(
                f'InceptionFeatureExtractor(style={style!r}) needs `weights`, the local path of '
                f'{file_name} (published at {url} ). Random weights are only used with '
                '`allow_random_weights=True`, for tests.')
        self.network = build_inception_network(style)
        if weights is not None:
            load_inception_weights(self.network, style, weights)
            self.is_random = False
            self.weights_tag = f'{style}-{Path(weights).stem}'
        else:
            he_init_convolutions_(self.network)  # image-dependent features (default init: ~0)
            self.is_random = True
            checksum = zlib.crc32(self.network.Conv2d_1a_3x3.conv.weight.detach().numpy()
                                  .tobytes())
            self.weights_tag = f'{style}-RANDOM-{checksum:08x}'
            print_log(f'InceptionFeatureExtractor({style}) uses RANDOM weights: FID/IS values '
                      'are meaningless (allowed for tests only).', logger='current',
                      level=logging.WARNING)
        if self.reference_normalisation:
            self.weights_tag += '-reference-normalisation'
        if input_size != INPUT_SIZE:
            self.weights_tag += f'-input{input_size}'
        self.network.eval()
        self.network.requires_grad_(False)

    def init_weights(self) -> None:
        """Keep the loaded (or random) weights: nothing is re-initialised."""

    def train(self, mode: bool = True) -> 'InceptionFeatureExtractor':
        """Stay in eval mode: batch-norm statistics and dropout are frozen."""
        return super().train(False)

    def preprocess(self, images: Tensor) -> Tensor:
        """[-1, 1] images B×3×H×W -> the network's normalised input B×3×S×S (S = 299)."""
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f'Inception expects B×3×H×W RGB images, got shape '
                             f'{tuple(images.shape)}')
        unit = (images.float().clamp(-1, 1) + 1) / 2
        if self.quantise_to_uint8:
            # The reference writes (x + 1) * 127.5 truncated to uint8 and reads back /255.
            unit = torch.floor(unit * 255 + LEVEL_TOLERANCE) / 255
        if unit.shape[-2:] != (self.input_size, self.input_size):
            unit = F.interpolate(unit, size=(self.input_size, self.input_size), mode='bilinear',
                                 align_corners=False)
        if not self.reference_normalisation:
            return unit * 2 - 1
        mean = unit.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = unit.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
        return unit * (std / 0.5) + (mean - 0.5) / 0.5

    @torch.no_grad()
    def forward(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        """Pool features and class logits of [-1, 1] images.

        Args:
            images (Tensor): B×3×H×W RGB in [-1, 1].

        Returns:
            tuple[Tensor, Tensor]: pool features B×2048 and logits B×C (C = 1008 for
            ``pytorch_fid``, 1000 for ``torchvision``), float32.
        """
        network = self.network
        x = self.preprocess(images)
        for block in (network.Conv2d_1a_3x3, network.Conv2d_2a_3x3, network.Conv2d_2b_3x3,
                      network.maxpool1, network.Conv2d_3b_1x1, network.Conv2d_4a_3x3,
                      network.maxpool2, network.Mixed_5b, network.Mixed_5c, network.Mixed_5d,
                      network.Mixed_6a, network.Mixed_6b, network.Mixed_6c, network.Mixed_6d,
                      network.Mixed_6e, network.Mixed_7a, network.Mixed_7b, network.Mixed_7c,
                      network.avgpool):
            x = block(x)
        pool_features = torch.flatten(x, 1)
        return pool_features, network.fc(pool_features)
