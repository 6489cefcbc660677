# configs/shapes_demo/dmgan_shapes_demo_shape.py's generator and discriminators trained on
# for 5000 iterations with the DAMSM encoders of
# configs/shapes_demo/damsm_shapes_demo_pretrained.py, whose sentence vectors tell all five
# shapes apart, held-out pairs included; same data, negatives (shape word only) and losses.
_base_ = ['./dmgan_shapes_demo_shape.py']

damsm_checkpoint = 'work_dirs/damsm_shapes_demo_pretrained/epoch_2.pth'
model = dict(text_encoder_weights=damsm_checkpoint, image_encoder_weights=damsm_checkpoint)
# The GAN without its encoders (tools/strip_encoders.py): MMEngine's load_from
# would otherwise put the old encoders back.
load_from = 'work_dirs/dmgan_shapes_demo_shape/gan_only.pth'
max_iters = 5000
train_cfg = dict(by_epoch=False, max_iters=max_iters)
