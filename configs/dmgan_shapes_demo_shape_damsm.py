# Steps 7-8 of the previous shipped shapes demo model (docs/inference.md, "Tried"): step 4's
# generator and discriminators (configs/dmgan_shapes_demo_shape.py, DAMSM encoders stripped in
# step 7) trained on with the DAMSM encoders of steps 5-6 (configs/damsm_shapes_demo_shape.py
# and _shape_image.py), whose sentence vectors tell the five shapes apart; same data,
# negatives (shape word only) and losses as step 4.
# 7. python tools/strip_encoders.py work_dirs/dmgan_shapes_demo_shape/iter_7000.pth \
#        work_dirs/dmgan_shapes_demo_shape/gan_only.pth
# 8. python tools/train.py configs/dmgan_shapes_demo_shape_damsm.py \
#        --work-dir work_dirs/dmgan_shapes_demo_shape_damsm
_base_ = ['./dmgan_shapes_demo_shape.py']

damsm_checkpoint = 'work_dirs/damsm_shapes_demo_shape_image/epoch_3.pth'
model = dict(text_encoder_weights=damsm_checkpoint, image_encoder_weights=damsm_checkpoint)
# Without the encoders: MMEngine's load_from would put step 4's encoders back.
load_from = 'work_dirs/dmgan_shapes_demo_shape/gan_only.pth'
# Run with max_iters 8000 and stopped after 4500 (constant learning rate: the same run).
max_iters = 4500
train_cfg = dict(by_epoch=False, max_iters=max_iters)
