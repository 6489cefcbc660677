# Tiny DAMSM for the CPU tests: a few shapes scenes, a random Inception trunk at its
# smallest input size, small text encoder; loss must fall within a few dozen iterations.
default_scope = 'mmdmgan'
custom_imports = dict(imports=['mmdmgan'], allow_failed_imports=False)

model = dict(
    type='DAMSM',
    text_encoder=dict(type='DAMSMTextEncoder', vocab_size=45, embedding_dim=32, hidden_dim=32,
                      dropout=0.0),
    image_encoder=dict(type='DAMSMImageEncoder', embedding_dim=32, inception_weights=None,
                       allow_random_init=True, input_size=75),
    loss=dict(type='DAMSMLoss', gamma1=4.0, gamma2=5.0, gamma3=10.0),
    text_grad_clip=0.25,
    data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(32, )))
train_dataloader = dict(
    batch_size=4, num_workers=0, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='ShapesDataset', num_images=8, image_size=32, seed=0, split='train',
                 mismatch='batch_shift',
                 pipeline=[dict(type='SampleCaption', words_num=22),
                           dict(type='PackCaptionInputs')]))
train_cfg = dict(by_epoch=True, max_epochs=15)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3, betas=(0.5, 0.999)))
param_scheduler = dict(type='FlooredExponentialLR', gamma=0.98, floor=2e-4, by_epoch=True)
model_wrapper_cfg = dict(type='DeviceAgnosticSeparateDistributedDataParallel')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
    checkpoint=dict(type='AtomicCheckpointHook', interval=15, by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'))
log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, deterministic=False)
log_level = 'INFO'
load_from = None
resume = False
