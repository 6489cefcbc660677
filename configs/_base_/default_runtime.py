# Runtime shared by every mmdmgan config (MMEngine runner settings).
default_scope = 'mmdmgan'
custom_imports = dict(imports=['mmdmgan'], allow_failed_imports=False)

default_hooks = dict(
    # One device->host copy per iteration for all logged losses (MMEngine's: one per loss).
    runtime_info=dict(type='BatchedRuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', interval=5000, by_epoch=False, max_keep_ckpts=5,
                    save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # load_from / resume: refuse weights that do not fit (opt out: load_from_strict=False).
    checkpoint_loading=dict(type='CheckpointLoadingHook'),
)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
log_level = 'INFO'
load_from = None
load_from_strict = True  # False: load_from loads the weights that fit and warns about the rest
resume = False
randomness = dict(seed=None, deterministic=False)
