# Steps 11-12 of the shipped shapes demo model (docs/inference.md): step 9's GAN
# (configs/dmgan_shapes_demo_pretrained_colour.py, DAMSM encoders stripped in step 11)
# trained on with the DAMSM encoders of step 10 (configs/damsm_shapes_demo_near_colour.py),
# which catch every colour swap, and with colour swaps from the two nearest colours for the
# discriminators and the DAMSM mismatch term as well. After step 9 the held-out red circle
# was drawn orange: step 6's sentence vectors of red and orange had cosine 0.94.
# 11. python tools/strip_encoders.py work_dirs/dmgan_shapes_demo_pretrained_colour/iter_9000.pth \
#         work_dirs/dmgan_shapes_demo_pretrained_colour/gan_only.pth
# 12. python tools/train.py configs/dmgan_shapes_demo_near_colour.py \
#         --work-dir work_dirs/dmgan_shapes_demo_near_colour
_base_ = ['./dmgan_shapes_demo_pretrained_colour.py']

damsm_checkpoint = 'work_dirs/damsm_shapes_demo_near_colour/epoch_1.pth'
model = dict(text_encoder_weights=damsm_checkpoint, image_encoder_weights=damsm_checkpoint)
# A new start (new optimiser states), not a resume: the encoders changed.
resume = False
load_from = 'work_dirs/dmgan_shapes_demo_pretrained_colour/gan_only.pth'
# Run with max_iters 6000 and stopped (constant learning rate: the same run).
max_iters = 1000
train_cfg = dict(by_epoch=False, max_iters=max_iters)
train_dataloader = dict(dataset=dict(swap_colour_neighbours=2))
