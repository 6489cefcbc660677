# Step 9 of the shipped shapes demo model (docs/inference.md): step 8
# (configs/dmgan_shapes_demo_pretrained_damsm.py) resumed from its last checkpoint with
# mismatched captions that differ in the shape's colour or in the shape, not the shape only.
# After step 8 the shape was right for 0.91 of held-out captions but the shape's colour for
# only 0.74 (red drawn orange; red and orange squares drawn pink): since step 4 no negative
# had asked for the colour, and step 8's new text encoder moved the colours.
# 9. python tools/train.py configs/dmgan_shapes_demo_pretrained_colour.py \
#        --work-dir work_dirs/dmgan_shapes_demo_pretrained_colour
_base_ = ['./dmgan_shapes_demo_pretrained_damsm.py']

# Resumed, not loaded: step 8's optimiser states, EMA and iteration count go on.
resume = True
load_from = 'work_dirs/dmgan_shapes_demo_pretrained_damsm/iter_5000.pth'
# Run to 8000, then resumed to 9000 (constant learning rate: the same run).
max_iters = 9000
train_cfg = dict(by_epoch=False, max_iters=max_iters)
train_dataloader = dict(dataset=dict(swap_attributes=('colour', 'shape')))
