# The quick start's DM-GAN: configs/dmgan_shapes.py cut to finish in a few minutes on 2 CPU
# cores (measured in README.md) on the encoders of configs/damsm_shapes_quick.py: 100
# iterations of batch 8 at 64 and 128 px. It checks the pipeline end to end (training,
# checkpoints, visualisation, tools/test.py, the demo); its images are not yet the captions'.
# python tools/train.py configs/dmgan_shapes_quick.py
_base_ = ['./dmgan_shapes.py']

damsm_checkpoint = 'work_dirs/damsm_shapes_quick/epoch_1.pth'
max_iters = 100

model = dict(
    image_encoder=dict(_delete_=True, type='ConvImageEncoder', embedding_dim=256, input_size=64),
    text_encoder_weights=damsm_checkpoint,
    image_encoder_weights=damsm_checkpoint)
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset=dict(max_objects=1))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
# tools/test.py: R-precision on 200 test scenes.
test_dataloader = dict(num_workers=0, dataset=dict(num_images=200))
randomness = dict(seed=0)
default_hooks = dict(checkpoint=dict(interval=50, max_keep_ckpts=2))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='DMGANVisualizationHook', interval=50,
         prompts=['a large red circle in the centre on a white background',
                  'a small blue square on the left on a yellow background']),
]
