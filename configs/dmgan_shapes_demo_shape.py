# Step 4 of the shipped shapes demo model (docs/inference.md): step 3's GAN
# (configs/dmgan_shapes_demo.py) trained on with mismatched captions that differ from the
# true one in the shape word only. After step 3 the discriminators check every other word
# almost perfectly but prefer the shape-swapped caption of a real image about one time in
# six, and the generator draws the same blob for every shape; these negatives spend the whole
# mismatched-pair loss (and the generator's DAMSM mismatch term) on the shape.
# python tools/train.py configs/dmgan_shapes_demo_shape.py \
#     --work-dir work_dirs/dmgan_shapes_demo_shape
_base_ = ['./dmgan_shapes_demo.py']

load_from = 'work_dirs/dmgan_shapes_demo/iter_16000.pth'
max_iters = 7000
train_dataloader = dict(dataset=dict(swap_attributes=('shape', )))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
default_hooks = dict(checkpoint=dict(max_keep_ckpts=16))
