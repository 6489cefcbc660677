# A tiny DM-GAN (2 stages: 64 and 128 px) on a few in-memory shapes, for the CPU tests.
# Needs tests/configs on PYTHONPATH (for tiny_modules).
_base_ = ['../../configs/_base_/default_runtime.py']
custom_imports = dict(imports=['mmdmgan', 'tiny_modules'], allow_failed_imports=False)

text_dim = 32
words_num = 22  # shapes captions run up to 22 words
model = dict(
    type='DMGAN',
    generator=dict(type='DMGANGenerator', noise_dim=8, text_dim=text_dim, condition_dim=8,
                   gf_dim=4, num_stages=2, num_residual=1),
    discriminator=dict(type='DMGANDiscriminator', df_dim=4, text_dim=text_dim),
    text_encoder=dict(type='DAMSMTextEncoder', vocab_size=45, embedding_dim=16,
                      hidden_dim=text_dim),
    image_encoder=dict(type='TinyImageEncoder', embedding_dim=text_dim),
    # Random, frozen encoders: only for tests (the real configs load pretrained DAMSM weights).
    allow_random_encoders=True,
    damsm_loss=dict(type='DAMSMGeneratorLoss', loss_weight=5.0),
    ema_config=dict(type='ExponentialMovingAverage', momentum=0.001),
    data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(64, 128)))

train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='ShapesDataset', num_images=8, image_size=128, seed=0, split='train',
                 pipeline=[dict(type='SampleCaption', words_num=words_num),
                           dict(type='PackCaptionInputs')]))
train_cfg = dict(by_epoch=False, max_iters=4)
optim_wrapper = dict(
    constructor='DMGANMultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminators=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))
model_wrapper_cfg = dict(type='DeviceAgnosticSeparateDistributedDataParallel')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='AtomicCheckpointHook', interval=2, by_epoch=False, max_keep_ckpts=5,
                    save_last=True))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='DMGANVisualizationHook', interval=2, tile_size=32,
         prompts=['a large red circle on the left on a blue background']),
    dict(type='SaveRankWeightsHook'),
]
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, deterministic=False)

# ---- evaluation (tools/test.py, tools/generate.py tests) -------------------------------
# 8 samples looping over 6 test scenes, one random caption each (the 30,000-sample protocol
# of the paper configs, shrunk).
test_dataloader = dict(
    batch_size=4, num_workers=0, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='LoopedCaptionDataset', num_samples=8, seed=0,
                 dataset=dict(type='ShapesDataset', num_images=6, image_size=128, seed=0,
                              split='test', mismatch='batch_shift', test_mode=True,
                              pipeline=[dict(type='SampleCaption', words_num=words_num,
                                             truncation='first'),
                                        dict(type='PackCaptionInputs')])))
test_cfg = dict(type='TestLoop')
# RANDOM-WEIGHT Inception at 75×75, for tests only: the metrics then report
# FID/fid_RANDOM_INCEPTION and IS/is_RANDOM_INCEPTION, numbers without meaning.
random_inception = dict(style='pytorch_fid', weights=None, allow_random_weights=True,
                        input_size=75)
test_evaluator = dict(type='Evaluator', metrics=[
    dict(type='DMGANInceptionScore', inception=random_inception, splits=2),
    dict(type='DMGANFID', inception=random_inception, cache_dir=None),  # real stats from gt_img
    # 3 mismatched captions and 2 folds: only 8 samples
    dict(type='RPrecision', num_mismatched=3, num_folds=2, group_key='class_id'),
])
