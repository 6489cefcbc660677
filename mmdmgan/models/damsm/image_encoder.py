"""DAMSM image encoder: frozen Inception-v3 trunk + two trainable projections (AttnGAN, 3.3)."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn
from torchvision.models import inception_v3

from mmdmgan.registry import MODELS
from mmdmgan.utils.random_init import he_init_convolutions_

#: The torchvision release of the ImageNet Inception-v3 weights the trunk expects.
INCEPTION_WEIGHTS_FILE = 'inception_v3_google-0cc3c7bd.pth'
INCEPTION_WEIGHTS_URL = f'https://download.pytorch.org/models/{INCEPTION_WEIGHTS_FILE}'

#: Inception-v3 layers up to the 17×17 region features (Mixed_6e), in order.
REGION_LAYERS = ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'maxpool1', 'Conv2d_3b_1x1',
                 'Conv2d_4a_3x3', 'maxpool2', 'Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a',
                 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e')
#: Smallest input side for which Inception-v3 still produces a (1×1) Mixed_7c map.
MIN_INPUT_SIZE = 75
#: Inception-v3 layers from the region features to the 8×8×2048 global map.
GLOBAL_LAYERS = ('Mixed_7a', 'Mixed_7b', 'Mixed_7c')


@MODELS.register_module()
class DAMSMImageEncoder(BaseModule):
    """Image encoder of DAMSM.

    The ImageNet Inception-v3 trunk is frozen (no gradients to its weights, BatchNorm always in
    eval mode, even after ``.train()``); gradients still flow through it to the input image,
    which the generator's DAMSM loss needs. Region features ``f`` come from Mixed_6e
    (768×17×17) through a bias-free 1×1 conv; the global feature ``f̄`` from Mixed_7c
    (2048×8×8) through 8×8 average pooling and a linear layer (AttnGAN, Sec. 3.3).

    Images are resized to ``input_size`` (299, the reference's size, gives 17×17 regions).
    A smaller size (>= 75) gives fewer regions and runs much faster: only for tests and
    quick CPU experiments; the global pooling covers whatever map Mixed_7c produces.

    Args:
        embedding_dim (int): Size D of the common text/image space. Defaults to 256.
        inception_weights (str, optional): Local path of torchvision's ImageNet weights
            (``inception_v3_google-0cc3c7bd.pth``).
        input_size (int): Side the images are resized to before the trunk. Defaults to 299.
        allow_random_init (bool): Allow ``inception_weights=None`` and keep a randomly
            initialised trunk: for tests, or when the trunk is loaded afterwards from a
            checkpoint that contains it (e.g. one written by ``tools/convert_original_ckpt.py``).
            Defaults to False.
        init_cfg (dict, optional): MMEngine initialisation config. Without it the two
            projection weights are drawn from U(-0.1, 0.1), as in the reference.
    """

    def __init__(self,
                 embedding_dim: int = 256,
                 inception_weights: Optional[str] = None,
                 allow_random_init: bool = False,
                 input_size: int = 299,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if input_size < MIN_INPUT_SIZE:
            raise ValueError(f'input_size must be at least {MIN_INPUT_SIZE} (Inception-v3 '
                             f'downsamples by 32), got {input_size}; the reference uses 299')
        self.input_size = input_size
        if inception_weights is None and not allow_random_init:
            raise ValueError(
                'DAMSMImageEncoder needs the ImageNet Inception-v3 weights: set '
                f'inception_weights to the local path of {INCEPTION_WEIGHTS_FILE} '
                f'(published by torchvision at {INCEPTION_WEIGHTS_URL}), or set '
                'allow_random_init=True when the trunk is loaded later from a checkpoint '
                '(or in tests).')
        if inception_weights is not None and not osp.isfile(inception_weights):
            raise FileNotFoundError(
                f'Inception-v3 weights not found at {inception_weights!r}: download '
                f'{INCEPTION_WEIGHTS_FILE} from {INCEPTION_WEIGHTS_URL} and set '
                'inception_weights to its local path.')
        inception = inception_v3(weights=None, aux_logits=False, init_weights=False)
        if inception_weights is not None:
            inception.load_state_dict(load_inception_trunk(inception_weights, inception),
                                      strict=False)
        else:
            he_init_convolutions_(inception)
        self.region_trunk = nn.Sequential(
            OrderedDict((name, getattr(inception, name)) for name in REGION_LAYERS))
        self.global_trunk = nn.Sequential(
            OrderedDict((name, getattr(inception, name)) for name in GLOBAL_LAYERS))
        for parameter in self.trunk_parameters():
            parameter.requires_grad_(False)
        self.region_projection = nn.Conv2d(768, embedding_dim, kernel_size=1, bias=False)
        self.global_projection = nn.Linear(2048, embedding_dim)
        nn.init.uniform_(self.region_projection.weight, -0.1, 0.1)
        nn.init.uniform_(self.global_projection.weight, -0.1, 0.1)
        self.train()

    def trunk_parameters(self):
        """Iterate over the frozen Inception-v3 parameters."""
        yield from self.region_trunk.parameters()
        yield from self.global_trunk.parameters()

    def train(self, mode: bool = True) -> 'DAMSMImageEncoder':
        """Set the training mode of the projections; the frozen trunk stays in eval mode."""
        super().train(mode)
        self.region_trunk.eval()
        self.global_trunk.eval()
        return self

    def forward(self, img: Tensor) -> Tuple[Tensor, Tensor]:
        """Encode images.

        Args:
            img (Tensor): B×3×H×W images in [-1, 1].

        Returns:
            tuple[Tensor, Tensor]: region features B×D×17×17 (at ``input_size`` 299) and
            global features B×D.
        """
        # No re-normalisation: the Google Inception-v3 weights expect inputs in [-1, 1]
        # (torchvision's transform_input only maps ImageNet-normalised inputs to that range),
        # and so does the reference.
        regions = self.region_trunk(resize_input(img, self.input_size))
        # At 299 the map is 8×8 and this is the reference's avg_pool2d(kernel_size=8), with its
        # summation order (adaptive pooling rounds differently in fp32).
        global_features = self.global_trunk(regions)
        pooled = F.avg_pool2d(global_features, global_features.shape[2:]).flatten(1)
        return self.region_projection(regions), self.global_projection(pooled)


def resize_input(img: Tensor, input_size: int) -> Tensor:
    """Check that ``img`` is B×3×H×W and resize it to ``input_size`` × ``input_size`` as the
    reference does (bilinear, corners aligned; an image of that size already is unchanged)."""
    if img.dim() != 4 or img.size(1) != 3:
        raise ValueError(f'img must be B×3×H×W, got shape {tuple(img.shape)}')
    if img.shape[-2:] == (input_size, input_size):
        return img
    return F.interpolate(img, size=(input_size, input_size), mode='bilinear',
                         align_corners=True)


def load_inception_trunk(path: str, inception: nn.Module) -> Dict[str, Tensor]:
    """Read torchvision's Inception-v3 weights and keep the trunk entries DAMSM uses.

    Args:
        path (str): Local path of ``inception_v3_google-0cc3c7bd.pth`` (must exist).
        inception (nn.Module): The torchvision model the weights are checked against.

    Returns:
        dict[str, Tensor]: State dict of the trunk layers (``REGION_LAYERS + GLOBAL_LAYERS``).
    """
    state_dict = torch.load(path, map_location='cpu', weights_only=True)
    trunk_names = REGION_LAYERS + GLOBAL_LAYERS
    expected = {key: value for key, value in inception.state_dict().items()
                if key.split('.')[0] in trunk_names}
    trunk = {key: value for key, value in state_dict.items() if key.split('.')[0] in trunk_names}
    for key, value in expected.items():
        if key.endswith('num_batches_tracked'):
            # Older releases predate this counter; eval-mode BatchNorm never reads it.
            trunk.setdefault(key, torch.zeros_like(value))
        if key not in trunk:
            raise KeyError(f'{path}: missing Inception-v3 weight {key!r}; is this '
                           f'{INCEPTION_WEIGHTS_FILE}?')
        if trunk[key].shape != value.shape:
            raise ValueError(f'{path}: {key!r} has shape {tuple(trunk[key].shape)}, '
                             f'expected {tuple(value.shape)}')
    return trunk
