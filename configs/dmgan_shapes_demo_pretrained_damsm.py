# Steps 7-8 of the shipped shapes demo model (docs/inference.md): step 4's generator and
# discriminators (configs/dmgan_shapes_demo_shape.py, DAMSM encoders stripped in step 7)
# trained on with the DAMSM encoders of steps 5-6 (an image encoder pretrained to name the
# shape, then configs/damsm_shapes_demo_pretrained.py). Their sentence vectors tell all five
# shapes apart, for held-out pairs too, where step 2's told only rounded from pointed; same
# data, negatives (shape word only) and losses as step 4.
# 7. python tools/strip_encoders.py work_dirs/dmgan_shapes_demo_shape/iter_7000.pth \
#        work_dirs/dmgan_shapes_demo_shape/gan_only.pth
# 8. python tools/train.py configs/dmgan_shapes_demo_pretrained_damsm.py \
#        --work-dir work_dirs/dmgan_shapes_demo_pretrained_damsm
_base_ = ['./dmgan_shapes_demo_shape_damsm.py']

damsm_checkpoint = 'work_dirs/damsm_shapes_demo_pretrained/epoch_2.pth'
model = dict(text_encoder_weights=damsm_checkpoint, image_encoder_weights=damsm_checkpoint)
# Run with max_iters 8000 and stopped after 5000 (constant learning rate: the same run); step 9
# goes on from there.
max_iters = 5000
train_cfg = dict(by_epoch=False, max_iters=max_iters)
