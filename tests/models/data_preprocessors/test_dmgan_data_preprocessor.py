import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from PIL import Image
from torch.utils.data import DataLoader

from mmdmgan.datasets import CUBDataset, ShapesDataset
from mmdmgan.models.data_preprocessors import DMGANDataPreprocessor
from mmdmgan.registry import MODELS
from mmdmgan.structures import DataSample


def make_batch(batch_size=3, size=256, with_wrong=True):
    generator = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for index in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, size, size), dtype=torch.uint8,
                                    generator=generator))
        sample = DataSample(prompt=f'caption {index}', caption_ids=torch.full((5,), index + 1),
                            caption_len=index + 1, class_id=10 + index, img_key=str(index))
        if with_wrong:
            sample.wrong_caption_ids = torch.full((5,), 50 + index)
            sample.wrong_caption_len = 5
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_pyramid_and_caption_tensors():
    preprocessor = MODELS.build(dict(type='DMGANDataPreprocessor'))
    batch = make_batch()
    raw = torch.stack(batch['inputs'])
    output = preprocessor(batch, training=True)
    inputs = output['inputs']
    assert [tuple(img.shape) for img in inputs['imgs']] == [(3, 3, 64, 64), (3, 3, 128, 128),
                                                            (3, 3, 256, 256)]
    assert torch.allclose(inputs['imgs'][-1], raw.float() / 127.5 - 1)
    for img in inputs['imgs']:
        assert img.dtype == torch.float32 and img.min() >= -1 and img.max() <= 1
    assert inputs['caption_ids'].shape == (3, 5) and inputs['caption_ids'].dtype == torch.long
    assert inputs['caption_len'].tolist() == [1, 2, 3]
    assert inputs['class_id'].tolist() == [10, 11, 12]
    assert inputs['wrong_caption_ids'][:, 0].tolist() == [50, 51, 52]
    assert inputs['wrong_caption_len'].tolist() == [5, 5, 5]
    assert output['data_samples'][1].gt_img.shape == (3, 256, 256)


def test_small_levels_follow_pil_bilinear_like_the_reference():
    preprocessor = DMGANDataPreprocessor()
    xs = np.linspace(0, 4 * np.pi, 256)
    smooth = (127.5 + 120 * np.sin(xs)[None, :, None] * np.cos(xs)[:, None, None]) \
        .repeat(3, axis=2).astype(np.uint8)
    img = torch.from_numpy(smooth).permute(2, 0, 1)
    pyramid = preprocessor(dict(inputs=[img], data_samples=None))['inputs']['imgs']
    for level, size in zip(pyramid[:2], (64, 128)):
        reference = np.array(Image.fromarray(smooth).resize((size, size), Image.BILINEAR))
        reference = torch.from_numpy(reference).permute(2, 0, 1).float() / 127.5 - 1
        assert (level[0] - reference).abs().mean() < 0.02


def test_batch_shift_mismatch():
    output = DMGANDataPreprocessor(mismatch='batch_shift')(make_batch())
    # row i gets the caption of row i+1, the last row wraps to row 0
    assert output['inputs']['wrong_caption_ids'][:, 0].tolist() == [2, 3, 1]
    assert output['inputs']['wrong_caption_len'].tolist() == [2, 3, 1]
    auto = DMGANDataPreprocessor()(make_batch(with_wrong=False))
    assert auto['inputs']['wrong_caption_ids'][:, 0].tolist() == [2, 3, 1]


def test_configurable_sizes_and_missing_parts():
    preprocessor = DMGANDataPreprocessor(pyramid_sizes=[16, 32])
    output = preprocessor(make_batch(size=40))
    assert [img.shape[-1] for img in output['inputs']['imgs']] == [16, 32]
    prompts_only = preprocessor(dict(data_samples=[DataSample(prompt='a', caption_ids=torch.ones(
        4, dtype=torch.long), caption_len=1)]))
    assert 'imgs' not in prompts_only['inputs'] and prompts_only['inputs']['caption_len'] == 1
    stacked = preprocessor(dict(inputs=torch.zeros(2, 3, 32, 32, dtype=torch.uint8),
                                data_samples=None))
    assert stacked['inputs']['imgs'][0].shape == (2, 3, 16, 16)
    assert (stacked['inputs']['imgs'][1] == -1).all()


def test_errors():
    with pytest.raises(ValueError, match='ascending'):
        DMGANDataPreprocessor(pyramid_sizes=[256, 64])
    with pytest.raises(ValueError, match='mismatch'):
        DMGANDataPreprocessor(mismatch='shift')
    batch = make_batch()
    batch['inputs'][1] = torch.zeros(3, 128, 128, dtype=torch.uint8)
    with pytest.raises(ValueError, match='differ in shape'):
        DMGANDataPreprocessor()(batch)


def test_with_a_dataloader(cub_root):
    pipeline = [dict(type='LoadCaptionImage'), dict(type='CropAroundBBox'),
                dict(type='ResizeShorterSide', size=304), dict(type='RandomSquareCrop', size=256),
                dict(type='RandomHorizontalFlip'), dict(type='SampleCaption', words_num=18),
                dict(type='PackCaptionInputs')]
    dataset = CUBDataset(data_root=cub_root, pipeline=pipeline)
    loader = DataLoader(dataset, batch_size=3, collate_fn=pseudo_collate)
    output = DMGANDataPreprocessor()(next(iter(loader)), training=True)
    assert output['inputs']['caption_ids'].shape == (3, 18)
    assert output['inputs']['class_id'].tolist() == [1, 1, 2]
    assert len(output['data_samples']) == 3


def test_with_shapes_dataset():
    dataset = ShapesDataset(num_images=8, image_size=64, pipeline=[
        dict(type='SampleCaption', words_num=22), dict(type='PackCaptionInputs')])
    batch = pseudo_collate([dataset[index] for index in range(4)])
    output = DMGANDataPreprocessor(pyramid_sizes=(16, 32, 64))(batch)
    assert [img.shape[-1] for img in output['inputs']['imgs']] == [16, 32, 64]
    assert output['inputs']['wrong_caption_ids'].shape == (4, 22)
