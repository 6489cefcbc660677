import numpy as np
import pytest
import torch

from mmdmgan.datasets.transforms import PackCaptionInputs
from mmdmgan.structures import DataSample


def test_pack_fields():
    img = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    results = dict(img=img, prompt='a bird', caption_ids=torch.tensor([3, 4, 0]),
                   caption_len=np.int64(2), class_id=np.int64(7), img_key='k',
                   wrong_caption_ids=torch.tensor([5, 0, 0]), wrong_caption_len=1,
                   wrong_prompt='a fish', img_path='/x/k.jpg', sample_idx=3, flip=False)
    packed = PackCaptionInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 4, 5)
    assert torch.equal(inputs.permute(1, 2, 0), torch.from_numpy(img))
    assert isinstance(sample, DataSample)
    assert sample.prompt == 'a bird' and sample.img_key == 'k'
    assert sample.caption_ids.tolist() == [3, 4, 0] and sample.caption_len == 2
    assert type(sample.caption_len) is int and type(sample.class_id) is int
    assert sample.wrong_prompt == 'a fish' and sample.wrong_caption_len == 1
    assert sample.metainfo == dict(img_path='/x/k.jpg', sample_idx=3, flip=False)


def test_pack_rejects_bad_images():
    with pytest.raises(ValueError, match='uint8'):
        PackCaptionInputs()(dict(img=np.zeros((4, 4, 3), np.float32), img_key='k'))
