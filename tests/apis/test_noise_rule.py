"""One noise rule: image i of any call with seed s is the same image through every entry point
(infer at any batch size, iter_infer, generate_from_tokens, the noise of tools/generate.py,
the training visualisation and val_step / tools/test.py with eval_noise_seed)."""
import copy
import sys
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmdmgan.engine.hooks import DMGANVisualizationHook
from mmdmgan.registry import DATASETS, MODELS
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))
import tiny_modules  # noqa: E402,F401  (registers TinyImageEncoder)

SEED = 11
ATOL = 1e-5  # batches of other sizes round differently (measured 1.4e-9)


@pytest.fixture(scope='module')
def cfg():
    init_default_scope('mmdmgan')
    return Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))


@pytest.fixture(scope='module')
def dataset(cfg):
    return DATASETS.build(cfg.train_dataloader.dataset)


@pytest.fixture(scope='module')
def model(cfg, dataset):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model)).eval()
    model.vocabulary = dataset.vocabulary
    model.eval_noise_seed = SEED
    model.cfg = cfg  # as init_model sets it: infer keeps the config's words_num (22) words
    return model


@pytest.fixture(scope='module')
def items(dataset):
    return [dataset[i] for i in range(3)]


@pytest.fixture(scope='module')
def reference(model, items):
    """Images 0..2 of infer with one prompt per dataset item, in one batch."""
    prompts = [item['data_samples'].prompt for item in items]
    return model.infer(prompts, seed=SEED, output_type='tensor', batch_size=3).images[-1]


def test_infer_any_batch_size_and_iter_infer(model, items, reference):
    prompts = [item['data_samples'].prompt for item in items]
    one_by_one = model.infer(prompts, seed=SEED, output_type='tensor', batch_size=1)
    torch.testing.assert_close(one_by_one.images[-1], reference, atol=ATOL, rtol=0)
    streamed = torch.cat([batch.images[-1] for batch in model.iter_infer(
        prompts, seed=SEED, output_type='tensor', batch_size=2)])
    torch.testing.assert_close(streamed, reference, atol=ATOL, rtol=0)
    # image 1 alone is image 1 of the call, not image 0 of a call with one prompt
    alone = model.infer(prompts[1], seed=SEED, output_type='tensor').images[-1]
    assert not torch.allclose(alone[0], reference[1], atol=1e-3)


def test_generate_from_tokens_and_the_noise_of_generate_py(model, items, reference):
    inputs = model.data_preprocessor(pseudo_collate(items), False)['inputs']
    tokens = model.generate_from_tokens(inputs['caption_ids'], inputs['caption_len'], seed=SEED)
    torch.testing.assert_close(tokens.images[-1], reference, atol=ATOL, rtol=0)
    # tools/generate.py: noise_for_indices of its indices, any slice of them
    noise, epsilon = model.noise_for_indices([1, 2], SEED)
    part = model.generate_from_tokens(inputs['caption_ids'][1:], inputs['caption_len'][1:],
                                      noise=noise, ca_epsilon=epsilon)
    torch.testing.assert_close(part.images[-1], reference[1:], atol=ATOL, rtol=0)
    for seed, error in (('5', TypeError), (True, TypeError), (-1, ValueError)):
        with pytest.raises(error, match='seed must be'):
            model.generate_from_tokens(inputs['caption_ids'], inputs['caption_len'], seed=seed)


def test_val_step_with_sample_idx(model, items):
    batch = pseudo_collate(items)
    samples = [sample.clone() for sample in batch['data_samples']]
    indices = [2, 0, 1]  # any order, any split of the evaluation set
    for index, sample in zip(indices, samples):
        sample.set_metainfo(dict(sample_idx=index))
    outputs = model.val_step(dict(inputs=batch['inputs'], data_samples=samples))
    # infer with sample k's caption at index indices[k]
    prompts = [None] * len(indices)
    for index, sample in zip(indices, samples):
        prompts[index] = sample.prompt
    expected = model.infer(prompts, seed=SEED, output_type='tensor').images[-1][indices]
    torch.testing.assert_close(torch.stack([out.fake_img for out in outputs]), expected,
                               atol=ATOL, rtol=0)


def test_visualisation_hook(model, items, reference, dataset):
    prompts = [item['data_samples'].prompt for item in items]
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=dataset),
                             visualizer=MagicMock())
    hook = DMGANVisualizationHook(interval=1, prompts=prompts, seed=SEED)
    torch.testing.assert_close(hook.sample(runner).images[-1], reference, atol=ATOL, rtol=0)
