# DM-GAN on the synthetic captioned shapes: a small 2-stage generator (64 and 128 px) that
# trains on CPU in minutes and on one GPU in a few minutes to the captioned colours/shapes.
# First: python tools/train.py configs/damsm_shapes.py  (the DAMSM encoders, ~10 min on CPU).
_base_ = [
    './_base_/default_runtime.py', './_base_/datasets/shapes.py', './_base_/models/dmgan.py'
]

# ---- the pretrained DAMSM encoders ----------------------------------------------------
# The DAMSM training checkpoint holds both encoders (keys text_encoder.* / image_encoder.*);
# tools/export_damsm.py's text_encoder.pth / image_encoder.pth work as well.
damsm_checkpoint = 'work_dirs/damsm_shapes/epoch_4.pth'
# True keeps RANDOM frozen encoders when damsm_checkpoint is None (a quick look at the GAN
# alone: the random text features still tell captions apart, but DAMSM guidance is noise).
allow_random_encoders = False
image_input_size = 139  # must equal configs/damsm_shapes.py (Inception input side)

vocab_size = 45  # len(mmdmgan.datasets.shapes.shapes_vocabulary())
max_iters = 3000

model = dict(
    generator=dict(gf_dim=16, num_stages=2, num_residual=1),
    discriminator=dict(df_dim=16),
    text_encoder=dict(vocab_size=vocab_size),
    image_encoder=dict(input_size=image_input_size),
    text_encoder_weights=damsm_checkpoint,
    image_encoder_weights=damsm_checkpoint,
    allow_random_encoders=allow_random_encoders,
    damsm_loss=dict(loss_weight=5.0),
    data_preprocessor=dict(pyramid_sizes=(64, 128), mismatch='auto'))
train_cfg = dict(by_epoch=False, max_iters=max_iters)

# tools/test.py: R-precision with the DAMSM encoders (the features DMGAN.test_step attaches),
# which needs no Inception weights; scenes of one (colour, shape) class are never each other's
# mismatched captions.
test_evaluator = dict(type='Evaluator', metrics=[
    dict(type='RPrecision', num_mismatched=99, num_folds=10, group_key='class_id')])
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    checkpoint=dict(type='AtomicCheckpointHook', interval=500, by_epoch=False,
                    max_keep_ckpts=3, save_last=True))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='DMGANVisualizationHook', interval=250,
         prompts=['a large red circle in the centre on a white background',
                  'a small blue square on the left on a yellow background',
                  'a large green triangle near the top on a black background',
                  'there is a large yellow star on the right and a small purple diamond '
                  'near the bottom on a white background']),
]
env_cfg = dict(cudnn_benchmark=True)
