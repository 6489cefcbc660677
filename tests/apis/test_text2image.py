import copy
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmdmgan.apis import DMGANText2ImagePipeline, Text2ImageOutput
from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.registry import MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))  # tiny_modules, imported by the tiny config

PROMPT = 'a large red circle on the left on a blue background'


@pytest.fixture(scope='module')
def model():
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(image_encoder=None, damsm_loss=None)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.vocabulary = shapes_vocabulary()
    return model.eval()


def test_infer_shapes_and_output_types(model):
    output = model.infer([PROMPT, 'a small green star'], num_images=2, seed=0,
                         output_type='uint8')
    assert isinstance(output, Text2ImageOutput)
    assert output.sizes == [64, 128]
    for stage, size in zip(output.images, output.sizes):
        assert stage.dtype == np.uint8 and stage.shape == (4, size, size, 3)
    assert output.prompts == [PROMPT, PROMPT, 'a small green star', 'a small green star']
    assert output.words[2] == ['a', 'small', 'green', 'star']
    assert output.attention_maps is None

    tensors = model.infer(PROMPT, seed=0, output_type='tensor').images
    assert tensors[-1].shape == (1, 3, 128, 128) and tensors[-1].dtype == torch.float32
    assert tensors[-1].abs().max() <= 1
    pil = model.infer(PROMPT, seed=0)['samples']
    assert len(pil) == 1 and isinstance(pil[0], Image.Image) and pil[0].size == (128, 128)
    # the same draws as the first image of the uint8 call
    np.testing.assert_array_equal(np.asarray(pil[0]), output.images[-1][0])


def test_same_seed_same_images_any_batch_size(model):
    first = model.infer([PROMPT, 'a small green star'], num_images=3, seed=7,
                        output_type='tensor', batch_size=6).images[-1]
    again = model.infer([PROMPT, 'a small green star'], num_images=3, seed=7,
                        output_type='tensor', batch_size=2).images[-1]
    torch.testing.assert_close(first, again, atol=1e-5, rtol=0)
    other = model.infer([PROMPT, 'a small green star'], num_images=3, seed=8,
                        output_type='tensor').images[-1]
    assert not torch.allclose(first, other)
    assert not torch.allclose(first[0], first[1])  # images of one prompt differ


def test_explicit_noise_and_no_autograd(model):
    noise = torch.randn(2, model.noise_dim)
    a = model.infer(PROMPT, num_images=2, noise=noise, seed=1, output_type='tensor').images[-1]
    b = model.infer(PROMPT, num_images=2, noise=noise, seed=1, output_type='tensor').images[-1]
    torch.testing.assert_close(a, b)
    assert not a.requires_grad
    with pytest.raises(ValueError, match='noise must have shape'):
        model.infer(PROMPT, num_images=3, noise=noise)


def test_attention_maps_sum_to_one_over_words(model):
    output = model.infer([PROMPT, 'a blue square'], seed=0, return_attention=True)
    assert len(output.attention_maps) == 2
    for words, per_stage in zip(output.words, output.attention_maps):
        assert len(per_stage) == 1  # one refinement stage in the tiny model
        maps = per_stage[0]
        assert maps.shape == (len(words), 64, 64)
        torch.testing.assert_close(maps.sum(0), torch.ones(64, 64), atol=1e-5, rtol=0)


def test_unknown_words_warned_and_dropped(model):
    with pytest.warns(UserWarning, match=r"\['zebra', 'purplish'\]"):
        output = model.infer('a zebra purplish circle', seed=0)
    assert output.words == [['a', 'circle']]


def test_prompt_errors(model):
    with pytest.raises(ValueError, match='no word of the model vocabulary'):
        model.infer('zebra giraffe', seed=0)
    with pytest.raises(ValueError, match='no word of the model vocabulary'):
        model.infer('', seed=0)
    with pytest.raises(TypeError, match='non-empty list of strings'):
        model.infer([], seed=0)
    with pytest.raises(ValueError, match='output_type'):
        model.infer(PROMPT, output_type='numpy')
    with pytest.raises(ValueError, match='num_images'):
        model.infer(PROMPT, num_images=0)
    with pytest.raises(ValueError, match='128×128'):
        model.infer(PROMPT, height=512)


def test_missing_vocabulary_is_a_clear_error(model):
    bare = copy.copy(model)
    bare.vocabulary = None
    with pytest.raises(ValueError, match='no vocabulary'):
        DMGANText2ImagePipeline(bare)(PROMPT)


def test_token_level_form_kept(model):
    ids, length = model.vocabulary.encode(PROMPT, 22)
    output = model.infer(ids[None], torch.tensor([length]), seed=0)
    assert output.images[-1].shape == (1, 3, 128, 128)
