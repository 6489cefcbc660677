# Stand-in GAN for the launcher tests; needs tests/configs on PYTHONPATH.
default_scope = 'mmdmgan'
custom_imports = dict(imports=['mmdmgan', 'toy_model'], allow_failed_imports=False)

model = dict(type='ToyGAN', dim=8)
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ToyDataset', size=16, dim=8))
train_cfg = dict(by_epoch=False, max_iters=4)
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-2)),
    discriminator=dict(optimizer=dict(type='Adam', lr=1e-2)))
model_wrapper_cfg = dict(type='DeviceAgnosticSeparateDistributedDataParallel')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
custom_hooks = [dict(type='SaveRankWeightsHook')]
randomness = dict(seed=0, deterministic=False)
log_level = 'INFO'
load_from = None
resume = False
