import copy
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmdmgan.apis import SHAPES_DEMO_CONFIG, DMGANText2ImagePipeline, Text2ImageOutput
from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.models.dmgan.text2image import (
    DEFAULT_MAX_WORDS,
    MAX_INFER_BYTES,
    caption_word_limit,
)
from mmdmgan.registry import MODELS
from tests.conftest import REPO, TEST_CONFIGS

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
    with pytest.raises(ValueError, match='noise must be a tensor of shape'):
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
    with pytest.raises(TypeError, match='non-empty list'):
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


def test_infer_takes_prompts_only(model):
    ids, length = model.vocabulary.encode(PROMPT, 22)
    with pytest.raises(TypeError, match='generate_from_tokens'):
        model.infer(ids[None], torch.tensor([length]), seed=0)


@pytest.mark.parametrize('prompt', [None, 42, {PROMPT: 1}, [PROMPT, None], (), b'a circle',
                                    iter([PROMPT])])
def test_prompt_of_a_wrong_type_is_a_type_error(model, prompt):
    with pytest.raises(TypeError, match='prompt must be a string or a non-empty list'):
        model.infer(prompt, seed=0)


def test_tuple_of_prompts_accepted(model):
    output = model.infer((PROMPT, 'a blue square'), seed=0, output_type='uint8')
    assert output.prompts == [PROMPT, 'a blue square']


@pytest.mark.parametrize('seed, error', [('5', TypeError), (True, TypeError), (1.0, TypeError),
                                         (-1, ValueError)])
def test_seed_must_be_a_non_negative_int(model, seed, error):
    with pytest.raises(error, match='seed must be'):
        model.infer(PROMPT, seed=seed)


def test_emoji_and_non_ascii_words_are_warned(model):
    with pytest.warns(UserWarning, match='dropped') as record:
        output = model.infer('a red \U0001F534 circle caf\u00e9', seed=0)
    message = str(record[0].message)
    assert '\U0001F534' in message and 'caf\u00e9' in message
    assert output.words == [['a', 'red', 'circle']]


def test_plain_punctuation_is_not_warned(model, recwarn):
    model.infer('a red circle, on a blue background.', seed=0)
    assert not [w for w in recwarn if 'dropped' in str(w.message)]


def test_long_captions_cut_to_the_word_limit_with_a_warning(model):
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    assert caption_word_limit(cfg) == 22  # its words_num
    limited = copy.copy(model)
    limited.cfg = cfg
    long = ' '.join(['a large red circle on the left'] * 84)  # 504 words
    with pytest.warns(UserWarning, match='at most 22'):
        output = limited.infer(long, seed=0)
    assert len(output.words[0]) == 22
    # a model without a config: the reference's default
    with pytest.warns(UserWarning, match=f'at most {DEFAULT_MAX_WORDS}'):
        output = model.infer(long, seed=0)
    assert len(output.words[0]) == DEFAULT_MAX_WORDS == 18
    with pytest.raises(ValueError, match='max_words'):
        DMGANText2ImagePipeline(model, max_words=0)


def test_word_limit_of_the_configs():
    assert caption_word_limit(Config.fromfile(str(REPO / 'configs' / 'dmgan_cub.py'))) == 18
    assert caption_word_limit(Config.fromfile(str(REPO / 'configs' / 'dmgan_coco.py'))) == 12
    assert caption_word_limit(Config.fromfile(SHAPES_DEMO_CONFIG)) == 23  # free-form captions
    assert caption_word_limit(Config(dict(test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='SampleCaption', words_num=9)]))))) == 9
    assert caption_word_limit(Config(dict(model=dict()))) is None


def test_infer_refuses_more_than_its_memory_limit_and_iter_infer_streams(model):
    per_image = (64 * 64 + 128 * 128) * 3 * 4  # float32 images of both stages
    assert 10_000 * per_image > MAX_INFER_BYTES / 8
    with pytest.raises(ValueError, match='iter_infer'):
        DMGANText2ImagePipeline(model, max_bytes=MAX_INFER_BYTES // 8)(PROMPT, num_images=10_000)
    with pytest.raises(ValueError, match='iter_infer'):
        model.infer(PROMPT, num_images=10 * MAX_INFER_BYTES // per_image)
    # exactly at the limit: allowed (5 images), one more: refused
    pipeline = DMGANText2ImagePipeline(model, max_bytes=5 * per_image)
    assert len(pipeline(PROMPT, num_images=5, seed=0, output_type='uint8').prompts) == 5
    with pytest.raises(ValueError, match='iter_infer'):
        pipeline(PROMPT, num_images=6, seed=0)

    batches = model.iter_infer([PROMPT, 'a blue square'], num_images=3, seed=4, batch_size=4,
                               output_type='tensor', return_attention=True)
    batches = list(batches)
    assert [batch.indices for batch in batches] == [[0, 1, 2, 3], [4, 5]]
    assert [len(batch.prompts) for batch in batches] == [4, 2]
    whole = model.infer([PROMPT, 'a blue square'], num_images=3, seed=4, output_type='tensor',
                        return_attention=True)
    torch.testing.assert_close(torch.cat([batch.images[-1] for batch in batches]),
                               whole.images[-1], atol=1e-5, rtol=0)
    assert [p for batch in batches for p in batch.prompts] == whole.prompts
    assert whole.indices == list(range(6)) and whole.seed == 4
    assert len([m for batch in batches for m in batch.attention_maps]) == 6


def test_iter_infer_checks_its_inputs_before_the_first_batch(model):
    with pytest.raises(TypeError, match='prompt'):
        model.iter_infer(None)


def test_seed_drawn_when_omitted_and_reported(model):
    torch.manual_seed(5)
    first = model.infer(PROMPT, output_type='tensor')
    torch.manual_seed(5)
    second = model.infer(PROMPT, output_type='tensor')
    assert first.seed == second.seed is not None
    torch.testing.assert_close(first.images[-1], second.images[-1], rtol=0, atol=0)
    again = model.infer(PROMPT, seed=first.seed, output_type='tensor')
    torch.testing.assert_close(again.images[-1], first.images[-1], rtol=0, atol=0)
