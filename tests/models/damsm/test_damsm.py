import pytest
import torch
from mmengine.optim import OptimWrapper

from mmdmgan.datasets.shapes import ShapesDataset
from mmdmgan.models.damsm import DAMSM
from mmdmgan.models.damsm.damsm import LOSS_KEYS
from mmdmgan.models.damsm.losses import mismatch_sentence_loss
from mmdmgan.structures import DataSample

VOCAB_SIZE = 45


def tiny_damsm(text_grad_clip=0.25, lambda_mismatch=0.0) -> DAMSM:
    torch.manual_seed(0)
    return DAMSM(
        lambda_mismatch=lambda_mismatch,
        text_encoder=dict(type='DAMSMTextEncoder', vocab_size=VOCAB_SIZE, embedding_dim=16,
                          hidden_dim=16, dropout=0.0),
        image_encoder=dict(type='DAMSMImageEncoder', embedding_dim=16, allow_random_init=True,
                           input_size=75),
        text_grad_clip=text_grad_clip,
        data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(32, )))


@pytest.fixture(scope='module')
def batch():
    dataset = ShapesDataset(num_images=4, image_size=32, mismatch='batch_shift',
                            pipeline=[dict(type='SampleCaption', words_num=22),
                                      dict(type='PackCaptionInputs')])
    items = [dataset[index] for index in range(4)]
    return dict(inputs=[item['inputs'] for item in items],
                data_samples=[item['data_samples'] for item in items])


def snapshot(module):
    return {key: value.detach().clone() for key, value in module.state_dict().items()}


def changed(before, module):
    return {key for key, value in module.state_dict().items()
            if not torch.equal(before[key], value)}


def test_train_step_updates_text_encoder_and_projections_only(batch):
    model = tiny_damsm()
    optim_wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=2e-3,
                                                  betas=(0.5, 0.999)))
    text_before = snapshot(model.text_encoder)
    image_before = snapshot(model.image_encoder)
    model.train()
    log_vars = model.train_step(batch, optim_wrapper)

    assert set(log_vars) == set(LOSS_KEYS) | {'loss'}
    assert all(torch.isfinite(value) for value in log_vars.values())
    total = sum(float(log_vars[key].detach()) for key in LOSS_KEYS)
    assert float(log_vars['loss'].detach()) == pytest.approx(total, rel=1e-5)
    assert changed(text_before, model.text_encoder) == set(text_before)
    # Only the projections move: no trunk weight, and no BatchNorm running statistic.
    image_changed = changed(image_before, model.image_encoder)
    assert image_changed == {'region_projection.weight', 'global_projection.weight',
                             'global_projection.bias'}
    assert not model.image_encoder.region_trunk.training
    assert all(not parameter.requires_grad for parameter in model.image_encoder.trunk_parameters())


def test_mismatch_term_is_the_weighted_hard_negative_loss(batch):
    model = tiny_damsm(lambda_mismatch=2.0).eval()
    inputs = model.data_preprocessor(batch, False)['inputs']
    with torch.no_grad():
        losses = model(inputs, mode='loss')
        features = model.encode(inputs)
        _, wrong_sentence = model.text_encoder(inputs['wrong_caption_ids'],
                                               inputs['wrong_caption_len'])
    expected = 2.0 * mismatch_sentence_loss(features['image_code'], features['sentence'],
                                            wrong_sentence, gamma3=10.0)
    assert set(losses) == set(LOSS_KEYS) | {'loss_sentence_mismatch'}
    torch.testing.assert_close(losses['loss_sentence_mismatch'], expected)
    # batch_shift gives row i the caption of row i + 1: a real negative, a positive loss.
    assert float(expected) > 0


def test_mismatch_term_needs_mismatched_captions(batch):
    model = tiny_damsm(lambda_mismatch=1.0)
    inputs = dict(model.data_preprocessor(batch, False)['inputs'])
    inputs.pop('wrong_caption_ids')
    with pytest.raises(KeyError, match='wrong_caption_ids'):
        model(inputs, mode='loss')
    with pytest.raises(ValueError, match='lambda_mismatch'):
        tiny_damsm(lambda_mismatch=-1.0)


def sgd_step(batch, text_grad_clip):
    """Text encoder and image projection updates of one plain SGD step with lr 1."""
    model = tiny_damsm(text_grad_clip=text_grad_clip)
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0))
    text = torch.nn.utils.parameters_to_vector(model.text_encoder.parameters()).detach().clone()
    projection = model.image_encoder.region_projection.weight.detach().clone()
    model.train_step(batch, optim_wrapper)
    text_step = torch.nn.utils.parameters_to_vector(model.text_encoder.parameters()) - text
    return text_step.detach(), (model.image_encoder.region_projection.weight - projection).detach()


def test_only_the_text_encoder_gradient_is_clipped(batch):
    clip = 1e-4
    text_free, projection_free = sgd_step(batch, None)
    text_clipped, projection_clipped = sgd_step(batch, clip)
    assert text_free.norm() > 10 * clip
    assert 0 < text_clipped.norm() <= clip * 1.001
    # The image projections are not clipped (the reference clips the RNN only).
    assert projection_clipped.abs().sum() > 0
    assert torch.allclose(projection_clipped, projection_free)


def test_train_step_rejects_wrapper_clip(batch):
    model = tiny_damsm()
    optim_wrapper = OptimWrapper(torch.optim.Adam(model.parameters()),
                                 clip_grad=dict(max_norm=0.25))
    with pytest.raises(ValueError, match='text_grad_clip'):
        model.train_step(batch, optim_wrapper)


def test_token_outside_vocabulary_names_the_setting(batch):
    model = DAMSM(
        text_encoder=dict(type='DAMSMTextEncoder', vocab_size=5, embedding_dim=8, hidden_dim=8),
        image_encoder=dict(type='DAMSMImageEncoder', embedding_dim=8, allow_random_init=True,
                           input_size=75),
        data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(32, )))
    optim_wrapper = OptimWrapper(torch.optim.Adam(model.parameters()))
    with pytest.raises(ValueError, match='model.text_encoder.vocab_size'):
        model.train_step(batch, optim_wrapper)


def test_val_step_returns_features_and_batch_losses(batch):
    model = tiny_damsm().eval()
    outputs = model.val_step(batch)
    assert len(outputs) == 4 and all(isinstance(sample, DataSample) for sample in outputs)
    for sample in outputs:
        assert sample.image_code.shape == (16, ) and sample.sentence.shape == (16, )
        assert sample.gt_img.shape == (3, 32, 32)
        for key in LOSS_KEYS:
            assert sample.get(key).dim() == 0 and torch.isfinite(sample.get(key))
    # The same batch in eval mode gives the same losses as the loss mode.
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        losses = model(**data, mode='loss')
    for key in LOSS_KEYS:
        assert torch.allclose(outputs[0].get(key), losses[key])
    assert model.test_step(batch)[0].image_code.shape == (16, )


def test_forward_rejects_unknown_mode(batch):
    model = tiny_damsm()
    data = model.data_preprocessor(batch, False)
    with pytest.raises(ValueError, match='mode'):
        model(**data, mode='sample')
