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


@pytest.mark.parametrize('name', ['dmgan_shapes.py', 'dmgan_shapes_quick.py',
                                  'shapes_demo/dmgan_shapes_demo.py'])
def test_shapes_configs_have_a_test_loop_without_inception_weights(name):
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(CONFIGS / name))
    assert cfg.test_cfg.type == 'TestLoop'
    (metric, ) = cfg.test_evaluator.metrics
    assert metric.type == 'RPrecision' and metric.group_key == 'class_id'
    METRICS.build(metric)  # the DAMSM features come from the model: no file needed
    dataset_cfg = cfg.test_dataloader.dataset
    assert dataset_cfg.split == 'test'
    dataset_cfg.num_images = 150
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 150
    item = dataset[0]
    assert item['inputs'].shape == (3, 128, 128)
    # Enough scenes of other classes to draw each sample's 99 mismatched captions.
    assert len({dataset.get_data_info(i)['class_id'] for i in range(150)}) > 1
