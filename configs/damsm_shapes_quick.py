# The quick start's DAMSM encoders: configs/damsm_shapes.py cut to finish in a few minutes on 2
# CPU cores (measured in README.md), to check the whole pipeline end to end, not for a good
# model. A small trainable ConvImageEncoder at the scenes' 64 px replaces the Inception trunk,
# one epoch of 320 one-shape scenes, batch 16.
# python tools/train.py configs/damsm_shapes_quick.py  (-> work_dirs/damsm_shapes_quick/epoch_1.pth)
_base_ = ['./damsm_shapes.py']

model = dict(
    image_encoder=dict(_delete_=True, type='ConvImageEncoder', embedding_dim=256, input_size=64))
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(num_images=320, max_objects=1))
train_cfg = dict(by_epoch=True, max_epochs=1)
randomness = dict(seed=0)
