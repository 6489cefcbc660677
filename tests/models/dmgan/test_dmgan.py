import copy
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmdmgan.models.damsm import DAMSMTextEncoder
from mmdmgan.models.dmgan import DMGAN
from mmdmgan.models.utils import load_encoder_weights
from mmdmgan.registry import DATASETS, MODELS
from mmdmgan.structures import DataSample
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))
import tiny_modules  # noqa: E402,F401  (registers TinyImageEncoder)

LOSS_TERMS = ['loss_d{k}', 'loss_d{k}_real', 'loss_d{k}_cond_real', 'loss_d{k}_fake',
              'loss_d{k}_cond_fake', 'loss_d{k}_cond_wrong', 'loss_g_adv{k}']


@pytest.fixture(scope='module')
def cfg():
    init_default_scope('mmdmgan')
    return Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))


@pytest.fixture
def model(cfg):
    torch.manual_seed(0)
    return MODELS.build(copy.deepcopy(cfg.model))


@pytest.fixture(scope='module')
def batch(cfg):
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return pseudo_collate([dataset[i] for i in range(3)])


def snapshot(module):
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def changed(before, module):
    return {name for name, p in module.named_parameters() if not torch.equal(before[name], p)}


def test_structure_and_frozen_encoders(model):
    assert isinstance(model.discriminators, torch.nn.ModuleList)
    assert [d.image_size for d in model.discriminators] == [64, 128]
    for encoder in (model.text_encoder, model.image_encoder):
        assert not any(p.requires_grad for p in encoder.parameters())
    model.train()
    assert not model.text_encoder.training and not model.image_encoder.training
    assert model.generator.training
    assert not any(p.requires_grad for p in model.generator_ema.parameters())


def test_train_step_updates_g_every_d_and_logs_every_term(model, cfg, batch):
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {name: snapshot(getattr(model, name))
              for name in ('generator', 'text_encoder', 'image_encoder')}
    before_d = [snapshot(d) for d in model.discriminators]
    before_ema = snapshot(model.generator_ema.module)
    log_vars = model.train_step(batch, optim_wrapper)

    expected = {term.format(k=k) for term in LOSS_TERMS for k in range(2)}
    expected |= {'loss_damsm_words', 'loss_damsm_sentence', 'loss_kl'}
    assert set(log_vars) == expected
    for name, value in log_vars.items():
        assert value.dim() == 0 and not value.requires_grad and torch.isfinite(value), name

    generator_changed = changed(before['generator'], model.generator)
    # Adam moves every parameter with a non-negligible gradient by about lr.
    assert len(generator_changed) > 0.9 * len(before['generator'])
    for part in ('conditioning_augmentation', 'initial_stage', 'refinement_stages.0',
                 'image_heads.0', 'image_heads.1'):
        assert any(name.startswith(part) for name in generator_changed), part
    for k, discriminator in enumerate(model.discriminators):
        assert changed(before_d[k], discriminator) == set(before_d[k]), f'D{k}'
    assert not changed(before['text_encoder'], model.text_encoder)
    assert not changed(before['image_encoder'], model.image_encoder)
    # The reference's average: starts at the initial G, then 0.999·avg + 0.001·G per step.
    live = dict(model.generator.named_parameters())
    for name, p in model.generator_ema.module.named_parameters():
        torch.testing.assert_close(p, 0.999 * before_ema[name] + 0.001 * live[name].detach())
        torch.testing.assert_close(before_ema[name], before['generator'][name])
    assert changed(before_ema, model.generator_ema.module)
    assert all(p.requires_grad for p in model.discriminators.parameters())


def test_mismatch_damsm_term_is_logged_and_trains_the_generator(cfg, batch):
    torch.manual_seed(0)
    model = MODELS.build(dict(copy.deepcopy(cfg.model), damsm_loss=None,
                              damsm_mismatch_loss=dict(type='DAMSMMismatchLoss',
                                                       loss_weight=2.0)))
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = snapshot(model.generator)
    log_vars = model.train_step(batch, optim_wrapper)
    assert 'loss_damsm_mismatch' in log_vars and 'loss_damsm_sentence' not in log_vars
    assert 0 < log_vars['loss_damsm_mismatch'] < 2.0 * 20  # at most λ·softplus(2·γ3)
    assert changed(before, model.generator)
    model_cfg = dict(copy.deepcopy(cfg.model), damsm_loss=None, image_encoder=None,
                     damsm_mismatch_loss=dict(type='DAMSMMismatchLoss', loss_weight=1.0))
    with pytest.raises(ValueError, match='damsm_mismatch_loss'):
        MODELS.build(model_cfg)


@pytest.mark.parametrize('num_pairs', [2, 8])
def test_mode_seeking_pairs_come_from_the_same_generator_call(cfg, batch, num_pairs):
    torch.manual_seed(0)
    model = MODELS.build(dict(copy.deepcopy(cfg.model), mode_seeking_loss=dict(
        type='ModeSeekingLoss', loss_weight=1.0, num_pairs=num_pairs)))
    generator_rows, discriminator_rows = [], []
    model.generator.register_forward_hook(
        lambda module, args, output: generator_rows.append(args[0].shape[0]))
    model.discriminators.register_forward_hook(
        lambda module, args, output: discriminator_rows.append(args[0][0].shape[0]))
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = snapshot(model.generator)
    log_vars = model.train_step(batch, optim_wrapper)
    pairs = min(num_pairs, 3)  # at most every caption of the batch once
    # One generator call (DDP: one forward per backward) for the batch and the pairs; the
    # discriminators see the batch only (real and fake together, then fake).
    assert generator_rows == [3 + pairs] and discriminator_rows == [6, 3]
    mode_seeking = log_vars['loss_mode_seeking']
    assert 0 < mode_seeking < 1e5 and not mode_seeking.requires_grad
    assert len(changed(before, model.generator)) > 0.9 * len(before)


def test_generator_step_leaves_no_gradient_in_the_discriminators(model, cfg, batch):
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train_step(batch, optim_wrapper)
    for p in model.discriminators.parameters():
        assert p.grad is None or not p.grad.any()


def test_wrong_caption_term_uses_the_mismatched_captions(model, batch):
    data = model.data_preprocessor(batch, True)['inputs']
    assert not torch.equal(data['wrong_caption_ids'], data['caption_ids'])


@pytest.mark.parametrize('step', ['val_step', 'test_step'])
def test_val_and_test_step_outputs(model, batch, step):
    model.eval()
    outputs = getattr(model, step)(batch)
    assert len(outputs) == 3
    for output, item in zip(outputs, batch['data_samples']):
        assert isinstance(output, DataSample)
        assert output.fake_img.shape == (3, 128, 128)
        assert output.fake_img_64.shape == (3, 64, 64)
        assert output.fake_img.min() >= -1 and output.fake_img.max() <= 1
        assert output.prompt == item.prompt
        assert output.gt_img.shape == (3, 128, 128)
        (attention,) = output.attention_maps
        assert attention.shape == (int(item.caption_len), 64, 64)
        assert output.class_id == item.class_id
        assert output.image_feature.shape == output.sentence_feature.shape == (32,)


def test_test_step_features_are_the_damsm_codes_of_the_outputs(model, batch):
    model.eval()
    outputs = model.test_step(batch)
    fake = torch.stack([output.fake_img for output in outputs])
    _, expected_image = model.image_encoder(fake)
    ids = torch.stack([item.caption_ids for item in batch['data_samples']])
    lengths = torch.tensor([int(item.caption_len) for item in batch['data_samples']])
    _, expected_sentence = model.text_encoder(ids, lengths)
    torch.testing.assert_close(torch.stack([o.image_feature for o in outputs]), expected_image)
    torch.testing.assert_close(torch.stack([o.sentence_feature for o in outputs]),
                               expected_sentence)
    model.image_encoder = None  # without an image encoder the features are left out
    outputs = model.test_step(batch)
    assert 'image_feature' not in outputs[0] and 'sentence_feature' not in outputs[0]


def test_sampling_is_deterministic_given_noise_epsilon_or_seed(model, batch):
    model.eval()
    inputs = model.data_preprocessor(batch, False)['inputs']
    noise, epsilon = torch.randn(3, 8), torch.randn(3, 8)
    first = model(dict(inputs, noise=noise, ca_epsilon=epsilon))
    second = model(dict(inputs, noise=noise, ca_epsilon=epsilon))
    torch.testing.assert_close(first, second, rtol=0, atol=0)
    assert first.shape == (3, 3, 128, 128)
    torch.testing.assert_close(model(dict(inputs, seed=3)), model(dict(inputs, seed=3)),
                               rtol=0, atol=0)
    assert not torch.equal(model(dict(inputs, seed=3)), model(dict(inputs, seed=4)))


def split_batch(batch, parts):
    return [dict(inputs=[batch['inputs'][i] for i in part],
                 data_samples=[batch['data_samples'][i] for i in part]) for part in parts]


def test_evaluation_noise_follows_the_sample_index_not_the_batching(model, batch):
    model.eval()
    assert model.eval_noise_seed == 0
    whole = torch.stack([o.fake_img for o in model.val_step(batch)])
    torch.manual_seed(99)  # the global RNG plays no part
    split = [o.fake_img for part in split_batch(batch, [[2], [0, 1]])
             for o in model.val_step(part)]
    torch.testing.assert_close(torch.stack(split)[[1, 2, 0]], whole)
    model.eval_noise_seed = 1
    assert not torch.allclose(torch.stack([o.fake_img for o in model.val_step(batch)]), whole)
    model.eval_noise_seed = None  # global RNG: each call draws afresh
    first, second = (torch.stack([o.fake_img for o in model.val_step(batch)]) for _ in '12')
    assert not torch.allclose(first, second)


def test_evaluation_noise_needs_the_sample_index(model, batch):
    model.eval()
    (part,) = split_batch(batch, [[0]])
    part['data_samples'] = [sample.clone() for sample in part['data_samples']]
    sample = part['data_samples'][0]
    assert 'sample_idx' in sample.metainfo
    sample.set_metainfo(dict(sample_idx=None))
    with pytest.raises(ValueError, match='sample_idx'):
        model.val_step(part)


def test_sample_model_choice(model, cfg, batch):
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train_step(batch, optim_wrapper)
    model.train_step(batch, optim_wrapper)
    model.eval()
    inputs = dict(model.data_preprocessor(batch, False)['inputs'], seed=0)
    ema = model(inputs)
    torch.testing.assert_close(model(dict(inputs, sample_model='ema')), ema)
    assert not torch.equal(model(dict(inputs, sample_model='orig')), ema)
    with pytest.raises(ValueError, match='sample_model'):
        model(dict(inputs, sample_model='best'))
    with pytest.raises(ValueError, match='train_step'):
        model(inputs, mode='loss')


def test_encoder_weights_missing_or_unset_are_clear_errors(cfg, tmp_path):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('type')
    model_cfg['allow_random_encoders'] = False
    with pytest.raises(ValueError, match='text_encoder_weights is not set'):
        DMGAN(**model_cfg)
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        DMGAN(**dict(model_cfg, text_encoder_weights=str(tmp_path / 'nope.pth')))


def test_encoder_weights_load_from_state_dict_and_checkpoint(cfg, model, tmp_path):
    encoder_cfg = {k: v for k, v in cfg.model.text_encoder.items() if k != 'type'}
    source = DAMSMTextEncoder(**encoder_cfg)
    raw, ours = tmp_path / 'text_encoder.pth', tmp_path / 'damsm.pth'
    wrapped = tmp_path / 'damsm_two_processes.pth'  # written before keys were wrapper-free
    torch.save(source.state_dict(), raw)
    for path, prefix in ((ours, 'text_encoder.'), (wrapped, 'text_encoder.module.')):
        torch.save(dict(meta={}, state_dict={f'{prefix}{k}': v
                                             for k, v in source.state_dict().items()}), path)
    for path in (raw, ours, wrapped):
        target = DAMSMTextEncoder(**encoder_cfg)
        load_encoder_weights(target, str(path), 'text_encoder')
        for key, value in source.state_dict().items():
            torch.testing.assert_close(target.state_dict()[key], value)
    wrong = DAMSMTextEncoder(**dict(encoder_cfg, vocab_size=7))
    with pytest.raises(RuntimeError, match='vocab_size'):
        load_encoder_weights(wrong, str(raw), 'text_encoder')


def test_discriminator_and_stage_count_must_agree(cfg):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['discriminator'] = [dict(model_cfg['discriminator'], image_size=64)]
    with pytest.raises(ValueError, match='2 stages'):
        MODELS.build(model_cfg)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['image_encoder'] = None
    with pytest.raises(ValueError, match='damsm_loss'):
        MODELS.build(model_cfg)


def test_sampling_checkpoint_loads_quietly_and_partial_parts_are_reported(model):
    from mmengine.runner.checkpoint import load_state_dict
    source = {key: value.clone() + 1 for key, value in model.state_dict().items()}
    sampler = {key: value for key, value in source.items()
               if not key.startswith(('discriminators.', 'image_encoder.'))}
    kept = {key: value.clone() for key, value in model.state_dict().items()
            if key.startswith(('discriminators.', 'image_encoder.'))}
    load_state_dict(model, sampler, strict=True)  # MMEngine's loader: raises what it would print
    state = model.state_dict()
    assert all(torch.equal(state[key], value) for key, value in kept.items())
    assert all(torch.equal(state[key], value) for key, value in sampler.items())
    model.load_state_dict(sampler, strict=True)  # and torch's
    # A part half present, or a missing generator, is still reported.
    some = dict(sampler, **{key: value for key, value in source.items()
                            if key.startswith('discriminators.0.')})
    missing, _ = model.load_state_dict(some, strict=False)
    assert missing and all(key.startswith('discriminators.1.') for key in missing)
    without_generator = {key: v for key, v in sampler.items() if not key.startswith('generator.')}
    assert model.load_state_dict(without_generator, strict=False).missing_keys
