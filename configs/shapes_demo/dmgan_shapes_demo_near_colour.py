# The shapes demo model (mmdmgan/checkpoints/shapes_demo.pth is this run's live generator
# after 1000 iterations): configs/shapes_demo/dmgan_shapes_demo_pretrained_colour.py's GAN
# trained on with the DAMSM encoders of configs/shapes_demo/damsm_shapes_demo_near_colour.py,
# which catch every colour swap, and colour swaps from the two nearest colours for the
# discriminators and the DAMSM mismatch term as well.
_base_ = ['./dmgan_shapes_demo_pretrained_colour.py']

damsm_checkpoint = 'work_dirs/damsm_shapes_demo_near_colour/epoch_1.pth'
model = dict(text_encoder_weights=damsm_checkpoint, image_encoder_weights=damsm_checkpoint)
# A new start (new optimiser states), not a resume: the encoders changed.
resume = False
load_from = 'work_dirs/dmgan_shapes_demo_pretrained_colour/gan_only.pth'
max_iters = 1000
train_cfg = dict(by_epoch=False, max_iters=max_iters)
train_dataloader = dict(dataset=dict(swap_colour_neighbours=2))
