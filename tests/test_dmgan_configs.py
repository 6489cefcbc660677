"""The paper and shapes DM-GAN configs parse, hold the paper's settings and name missing files."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdmgan.registry import DATASETS, METRICS, MODELS

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'


@pytest.mark.parametrize('name, batch, iters, lambda_damsm, residual', [
    ('dmgan_cub.py', 10, 885 * 800, 5.0, 2),
    ('dmgan_coco.py', 16, 5173 * 200, 50.0, 3),
])
def test_paper_settings(name, batch, iters, lambda_damsm, residual):
    cfg = Config.fromfile(str(CONFIGS / name))
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.train_cfg.max_iters == iters
    assert cfg.model.damsm_loss == dict(type='DAMSMGeneratorLoss', loss_weight=lambda_damsm,
                                        gamma1=4.0, gamma2=5.0, gamma3=10.0)
    assert cfg.model.adversarial_loss.loss_weight == cfg.model.kl_loss.loss_weight == 1.0
    assert cfg.model.generator.num_residual == residual
    assert cfg.model.generator.gf_dim == 64 and cfg.model.discriminator.df_dim == 32
    assert cfg.model.ema_config.momentum == 0.001
    for wrapper in ('generator', 'discriminators'):
        optimizer = cfg.optim_wrapper[wrapper].optimizer
        assert (optimizer.lr, tuple(optimizer.betas)) == (2e-4, (0.5, 0.999))
    assert cfg.model_wrapper_cfg.type == 'DeviceAgnosticSeparateDistributedDataParallel'
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert {'RNGStateHook', 'DMGANVisualizationHook'} <= {h.type for h in cfg.custom_hooks}
    # Issue 8's data path: one host sync for the logged losses, pinned non-blocking batches.
    assert cfg.default_hooks.runtime_info.type == 'BatchedRuntimeInfoHook'
    assert cfg.train_dataloader.pin_memory and cfg.model.data_preprocessor.non_blocking
    assert cfg.train_dataloader.num_workers >= 8


def test_shapes_demo_configs_hold_out_the_same_pairs():
    damsm = Config.fromfile(str(CONFIGS / 'damsm_shapes_demo.py'))
    dmgan = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo.py'))
    assert damsm.heldout_pairs == dmgan.heldout_pairs and len(dmgan.heldout_pairs) == 5
    for cfg in (damsm, dmgan):
        dataset = cfg.train_dataloader.dataset
        assert dataset.heldout_pairs == cfg.heldout_pairs and dataset.max_objects == 1
        assert dataset.split == 'train'


def assert_loads_last_damsm_epoch(dmgan: Config, damsm_name: str) -> Config:
    """``dmgan`` loads both encoders from the last epoch of configs/``damsm_name``.py,
    built alike; returns that DAMSM config."""
    damsm = Config.fromfile(str(CONFIGS / f'{damsm_name}.py'))
    assert dmgan.damsm_checkpoint == (f'work_dirs/{damsm_name}/'
                                      f'epoch_{damsm.train_cfg.max_epochs}.pth')
    assert dmgan.model.text_encoder_weights == dmgan.model.image_encoder_weights
    assert dmgan.model.text_encoder_weights == dmgan.damsm_checkpoint
    assert dmgan.model.image_encoder == damsm.model.image_encoder
    for key in ('vocab_size', 'embedding_dim', 'hidden_dim'):
        assert dmgan.model.text_encoder[key] == damsm.model.text_encoder[key]
    return damsm


def test_shapes_demo_trains_on_the_damsm_that_sees_shapes_with_one_word_negatives():
    demo = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo.py'))
    damsm = assert_loads_last_damsm_epoch(demo, 'damsm_shapes_demo_conv')
    assert damsm.heldout_pairs == demo.heldout_pairs
    assert damsm.train_dataloader.dataset.mismatch == 'attribute_swap'
    assert demo.train_dataloader.dataset.mismatch == 'attribute_swap'
    assert demo.model.damsm_mismatch_loss.loss_weight > 0
    assert demo.get('load_from') is None  # a full run, not a fine-tune


def test_shapes_demo_step_4_continues_step_3_with_shape_only_negatives():
    step3 = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo.py'))
    step4 = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo_shape.py'))
    assert step4.load_from == f'work_dirs/dmgan_shapes_demo/iter_{step3.train_cfg.max_iters}.pth'
    assert step4.train_dataloader.dataset.swap_attributes == ('shape', )
    assert step4.train_dataloader.dataset.mismatch == 'attribute_swap'
    # Everything else is step 3's: model, data, optimisers.
    assert step4.model == step3.model and step4.optim_wrapper == step3.optim_wrapper
    step4.train_dataloader.dataset.pop('swap_attributes')
    assert step4.train_dataloader == step3.train_dataloader


@pytest.mark.parametrize('name, damsm_name', [
    ('dmgan_shapes_demo_pretrained_damsm', 'damsm_shapes_demo_pretrained'),
    ('dmgan_shapes_demo_shape_damsm', 'damsm_shapes_demo_shape_image')])
def test_shapes_demo_step_8_is_step_4_on_new_encoders(name, damsm_name):
    step4 = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo_shape.py'))
    step8 = Config.fromfile(str(CONFIGS / f'{name}.py'))
    assert_loads_last_damsm_epoch(step8, damsm_name)
    # Step 4's GAN without its encoders (tools/strip_encoders.py), or they would come back.
    assert step8.load_from == 'work_dirs/dmgan_shapes_demo_shape/gan_only.pth'
    for cfg in (step4, step8):
        for key in ('damsm_checkpoint', 'load_from', 'max_iters', 'train_cfg'):
            cfg.pop(key)
        for key in ('text_encoder_weights', 'image_encoder_weights'):
            cfg.model.pop(key)
    assert step8.to_dict() == step4.to_dict()


def test_shapes_demo_step_9_resumes_step_8_with_colour_and_shape_negatives():
    step8 = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo_pretrained_damsm.py'))
    step9 = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo_pretrained_colour.py'))
    assert step9.resume is True and step9.max_iters > step8.max_iters
    assert step9.load_from == ('work_dirs/dmgan_shapes_demo_pretrained_damsm/'
                               f'iter_{step8.max_iters}.pth')
    assert step8.train_dataloader.dataset.swap_attributes == ('shape', )
    assert step9.train_dataloader.dataset.swap_attributes == ('colour', 'shape')
    for cfg in (step8, step9):
        for key in ('load_from', 'resume', 'max_iters', 'train_cfg'):
            cfg.pop(key)
        cfg.train_dataloader.dataset.pop('swap_attributes')
    assert step9.to_dict() == step8.to_dict()


def test_shapes_demo_step_12_is_step_9_on_near_colour_encoders_and_negatives():
    step9 = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo_pretrained_colour.py'))
    step12 = Config.fromfile(str(CONFIGS / 'dmgan_shapes_demo_near_colour.py'))
    damsm = assert_loads_last_damsm_epoch(step12, 'damsm_shapes_demo_near_colour')
    assert step12.resume is False
    assert step12.load_from == 'work_dirs/dmgan_shapes_demo_pretrained_colour/gan_only.pth'
    assert (step12.train_dataloader.dataset.swap_colour_neighbours
            == damsm.train_dataloader.dataset.swap_colour_neighbours)
    for cfg in (step9, step12):
        for key in ('damsm_checkpoint', 'load_from', 'resume', 'max_iters', 'train_cfg'):
            cfg.pop(key)
        for key in ('text_encoder_weights', 'image_encoder_weights'):
            cfg.model.pop(key)
        cfg.train_dataloader.dataset.pop('swap_colour_neighbours', None)
    assert step12.to_dict() == step9.to_dict()


@pytest.mark.parametrize('name', ['dmgan_cub.py', 'dmgan_coco.py', 'dmgan_shapes.py'])
def test_missing_damsm_weights_name_the_file(name):
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(CONFIGS / name))
    model = cfg.model
    # Build only what the error needs: the text encoder is loaded before the image encoder.
    model.image_encoder = dict(type='DAMSMTextEncoder', vocab_size=3)  # never reached
    with pytest.raises(FileNotFoundError, match=str(model.text_encoder_weights)):
        MODELS.build(model)


@pytest.mark.parametrize('name, root_fixture, crop', [('dmgan_cub.py', 'cub_root', 256),
                                                      ('dmgan_coco.py', 'coco_root', 256)])
def test_test_split_loops_to_30000_samples_with_one_random_caption(name, root_fixture, crop,
                                                                   request):
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(CONFIGS / name))
    dataset_cfg = cfg.test_dataloader.dataset
    assert dataset_cfg.type == 'LoopedCaptionDataset' and dataset_cfg.num_samples == 30000
    assert dataset_cfg.dataset.split == 'test' and dataset_cfg.dataset.data_root == cfg.data_root
    assert cfg.test_dataloader.sampler == dict(type='DefaultSampler', shuffle=False)
    assert cfg.test_cfg.type == 'TestLoop'
    dataset_cfg.dataset.data_root = request.getfixturevalue(root_fixture)
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 30000 and len(dataset.dataset) == 2  # the fixture's 2 test images
    item = dataset[29999]
    assert item['inputs'].shape == (3, crop, crop)
    image, caption = dataset.sample_plan(29999)
    assert item['data_samples'].prompt == dataset.dataset.annotation(image)['prompts'][caption]


@pytest.mark.parametrize('name', ['dmgan_cub.py', 'dmgan_coco.py'])
def test_test_evaluator_has_the_three_metrics_and_names_the_inception_file(name):
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(CONFIGS / name))
    metrics = cfg.test_evaluator.metrics
    assert [m.type for m in metrics] == ['DMGANInceptionScore', 'DMGANFID', 'RPrecision']
    assert metrics[2].num_mismatched == 99 and metrics[2].num_folds == 10
    for metric in metrics[:2]:
        assert metric.inception.weights == cfg.inception_weights
        assert metric.inception.style == 'pytorch_fid'
        with pytest.raises(FileNotFoundError, match=cfg.inception_weights):
            METRICS.build(metric)
