# configs/shapes_demo/dmgan_shapes_demo_pretrained_damsm.py resumed (optimiser states, EMA and
# iteration count go on) to 9000 iterations with mismatched captions that differ in the
# shape's colour or in the shape: with shape-only negatives and a new text encoder, nothing
# asks for the colour.
_base_ = ['./dmgan_shapes_demo_pretrained_damsm.py']

resume = True
load_from = 'work_dirs/dmgan_shapes_demo_pretrained_damsm/iter_5000.pth'
max_iters = 9000
train_cfg = dict(by_epoch=False, max_iters=max_iters)
train_dataloader = dict(dataset=dict(swap_attributes=('colour', 'shape')))
