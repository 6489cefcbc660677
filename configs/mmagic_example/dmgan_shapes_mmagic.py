# DM-GAN on the synthetic captioned shapes as an MMagic project writes it: MMagic's GAN runtime
# (default scope 'mmagic'; its LoggerHook, CheckpointHook, LogProcessor, Visualizer,
# MultiOptimWrapperConstructor and MMSeparateDistributedDataParallel) around
# mmdmgan's model, data and hooks. The recipe of configs/dmgan_shapes.py; see docs/mmagic.md.
# Needs the full install (MMagic) and the DAMSM encoders of configs/damsm_shapes.py. Train with
# MMagic's own trainer, shipped inside its package:
#   python "$(python -c 'import mmagic, os; print(os.path.dirname(mmagic.__file__))')/.mim/tools/train.py" \
#       configs/mmagic_example/dmgan_shapes_mmagic.py --work-dir work_dirs/dmgan_shapes_mmagic
_base_ = ['mmagic::_base_/gen_default_runtime.py']
custom_imports = dict(imports=['mmdmgan'], allow_failed_imports=False)

damsm_checkpoint = 'work_dirs/damsm_shapes/epoch_4.pth'  # keys text_encoder.* / image_encoder.*
words_num = 22  # the longest shapes caption: nothing is cut
max_iters = 3000

# `_scope_='mmdmgan'` builds the model and everything nested in it (encoders, EMA, data
# preprocessor) as mmdmgan's own configs do. Without it every nested name is looked up in
# MMagic's scope, where `ExponentialMovingAverage` names MMagic's EMA, not MMEngine's.
model = dict(
    _scope_='mmdmgan',
    type='DMGAN',
    generator=dict(type='DMGANGenerator', noise_dim=100, text_dim=256, condition_dim=100,
                   gf_dim=16, num_stages=2, num_residual=1),
    discriminator=dict(type='DMGANDiscriminator', df_dim=16, text_dim=256),
    text_encoder=dict(type='DAMSMTextEncoder', vocab_size=45, embedding_dim=300, hidden_dim=256),
    image_encoder=dict(type='DAMSMImageEncoder', embedding_dim=256, input_size=139,
                       allow_random_init=True),  # the trunk comes with the DAMSM weights
    text_encoder_weights=damsm_checkpoint,
    image_encoder_weights=damsm_checkpoint,
    damsm_loss=dict(type='DAMSMGeneratorLoss', loss_weight=5.0, gamma1=4.0, gamma2=5.0,
                    gamma3=10.0),
    ema_config=dict(type='ExponentialMovingAverage', momentum=0.001),
    data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(64, 128),
                           mismatch='auto'))

# mmdmgan's dataset and transforms by plain name: mmdmgan registers them in MMagic's
# registries as well.
train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='ShapesDataset', num_images=10000, image_size=128, seed=0, split='train',
                 mismatch='other_class',
                 pipeline=[dict(type='SampleCaption', words_num=words_num),
                           dict(type='PackCaptionInputs')]))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
# The runtime's MultiValLoop / MultiTestLoop drive MMagic's GenMetrics; mmdmgan's metrics are
# MMEngine metrics (docs/mmagic.md shows how to evaluate with them).
val_cfg = None
val_evaluator = None
test_cfg = None
test_evaluator = None

# MMagic's MultiOptimWrapperConstructor (set by the runtime): one Adam for the generator and
# one for all discriminators, as in configs/_base_/models/dmgan.py.
optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminators=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))

default_hooks = dict(
    # MMEngine's timer (as in mmdmgan's runtime): eta and time in every logged iteration.
    # MMagic's IterTimerHook, made for its MultiValLoop, sets eta only once per log window
    # (log_processor.window_size iterations), so lines before the first window have none.
    timer=dict(type='mmengine.IterTimerHook'),
    logger=dict(interval=20),
    checkpoint=dict(interval=500, max_keep_ckpts=3))
# An mmdmgan hook by plain name.
custom_hooks = [
    dict(type='DMGANVisualizationHook', interval=250,
         prompts=['a large red circle in the centre on a white background',
                  'a small blue square on the left on a yellow background']),
]
