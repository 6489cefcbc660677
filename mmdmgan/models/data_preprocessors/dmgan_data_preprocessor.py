"""Batching of caption items for DM-GAN: the normalised image pyramid and caption tensors."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor

from mmdmgan.registry import MODELS
from mmdmgan.structures import DataSample


@MODELS.register_module()
class DMGANDataPreprocessor(BaseDataPreprocessor):
    """Turn collated caption items into the tensors DM-GAN's train/val steps read.

    Images (uint8, 0..255) are mapped to [-1, 1] by ``x / 127.5 - 1`` and resized into
    the pyramid the generator's stages are compared with. Like the reference (which
    scales its 256 crop down with PIL's bilinear filter) the smaller levels are
    antialiased bilinear reductions of the largest one.

    Output::

        dict(inputs=dict(imgs=[B×3×s×s for s in pyramid_sizes],      # float, [-1, 1]
                         caption_ids=B×T, caption_len=B, class_id=B,  # long
                         wrong_caption_ids=B×T, wrong_caption_len=B),
             data_samples=list[DataSample])                          # gt_img set

    ``imgs`` is absent when the batch has no images (inference from prompts); the
    caption entries are absent when the samples carry no ``caption_ids``.

    Mismatched captions: with ``mismatch='auto'`` the samples' ``wrong_caption_ids``
    (drawn from another class by the dataset) are used when present; otherwise, and
    always with ``mismatch='batch_shift'``, row *i* gets the caption of row *i+1*
    (the last row wraps to row 0). The reference uses the same shift but drops the last
    row, so its loss uses rows 0..B-2 only.

    Args:
        pyramid_sizes (Sequence[int]): Ascending image sides, e.g. (64, 128, 256).
        mismatch (str): ``'auto'`` or ``'batch_shift'``.
        non_blocking (bool): Asynchronous host-to-device copies.
    """

    def __init__(self, pyramid_sizes: Sequence[int] = (64, 128, 256), mismatch: str = 'auto',
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        sizes = [int(size) for size in pyramid_sizes]
        if not sizes or sizes != sorted(set(sizes)) or sizes[0] < 1:
            raise ValueError(f'pyramid_sizes must be distinct positive ascending sizes, '
                             f'got {list(pyramid_sizes)}')
        if mismatch not in ('auto', 'batch_shift'):
            raise ValueError(f"mismatch must be 'auto' or 'batch_shift', got {mismatch!r}")
        self.pyramid_sizes = sizes
        self.mismatch = mismatch

    def build_pyramid(self, imgs: torch.Tensor) -> List[torch.Tensor]:
        """Normalise B×3×H×W images (0..255) to [-1, 1] and resize them to every size."""
        if imgs.dim() != 4 or imgs.shape[1] != 3:
            raise ValueError(f'images must be B×3×H×W, got shape {tuple(imgs.shape)}')
        largest = imgs.float() / 127.5 - 1
        pyramid = []
        for size in reversed(self.pyramid_sizes):
            if tuple(largest.shape[-2:]) != (size, size):
                largest = F.interpolate(largest, size=(size, size), mode='bilinear',
                                        align_corners=False, antialias=True)
            pyramid.append(largest)
        return pyramid[::-1]

    @staticmethod
    def _stack_images(inputs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
        if isinstance(inputs, torch.Tensor):
            return inputs if inputs.dim() == 4 else inputs.unsqueeze(0)
        shapes = {tuple(img.shape) for img in inputs}
        if len(shapes) != 1:
            raise ValueError(f'images of one batch differ in shape: {sorted(shapes)}; crop '
                             'them to one size in the pipeline')
        return torch.stack(list(inputs))

    def _caption_tensors(self, data_samples: List[DataSample]) -> dict:
        device = self.device
        caption_ids = torch.stack([sample.caption_ids for sample in data_samples]).to(device)
        caption_len = torch.tensor([int(sample.caption_len) for sample in data_samples],
                                   dtype=torch.long, device=device)
        tensors = dict(caption_ids=caption_ids, caption_len=caption_len)
        if all('class_id' in sample for sample in data_samples):
            tensors['class_id'] = torch.tensor([int(sample.class_id) for sample in data_samples],
                                               dtype=torch.long, device=device)
        have_wrong = all('wrong_caption_ids' in sample for sample in data_samples)
        if self.mismatch == 'auto' and have_wrong:
            tensors['wrong_caption_ids'] = torch.stack(
                [sample.wrong_caption_ids for sample in data_samples]).to(device)
            tensors['wrong_caption_len'] = torch.tensor(
                [int(sample.wrong_caption_len) for sample in data_samples], dtype=torch.long,
                device=device)
        else:
            tensors['wrong_caption_ids'] = caption_ids.roll(-1, dims=0)
            tensors['wrong_caption_len'] = caption_len.roll(-1, dims=0)
        return tensors

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise, build the pyramid and stack the caption tensors.

        Args:
            data (dict): ``inputs`` (list of 3×H×W uint8 tensors or B×3×H×W, optional) and
                ``data_samples`` (list of :class:`DataSample`).
            training (bool): Unused; the same processing serves training and testing.

        Returns:
            dict: See the class docstring.
        """
        data = self.cast_data(data)
        data_samples: Optional[List[DataSample]] = data.get('data_samples')
        inputs = {}
        if data.get('inputs') is not None:
            imgs = self._stack_images(data['inputs'])
            inputs['imgs'] = self.build_pyramid(imgs)
            if data_samples is not None:
                for sample, img in zip(data_samples, inputs['imgs'][-1]):
                    sample.gt_img = img
        if data_samples and all('caption_ids' in sample for sample in data_samples):
            inputs.update(self._caption_tensors(data_samples))
        return dict(inputs=inputs, data_samples=data_samples)
