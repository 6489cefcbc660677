# Step 3 of the shipped shapes demo model (mmdmgan/checkpoints/shapes_demo.pth): fine-tune the
# 6000-iteration run of configs/dmgan_shapes_demo.py with one-word negatives. The captions of
# random other scenes differ mostly in the background, so neither the discriminator nor the
# DAMSM loss had to check the shape's colour; here
# - the discriminator's mismatched caption is the scene's own with one attribute changed
#   (ShapesDataset mismatch='attribute_swap'), and
# - the generator's final image must score its caption above that caption under DAMSM
#   (lambda_damsm_mismatch, not in the paper).
# How it was trained and what it scores: docs/inference.md.
# python tools/train.py configs/dmgan_shapes_demo_finetune.py \
#     --work-dir work_dirs/dmgan_shapes_demo_finetune
_base_ = ['./dmgan_shapes_demo.py']

# The weights only (fresh optimiser states and iteration count).
load_from = 'work_dirs/dmgan_shapes_demo/iter_6000.pth'
max_iters = 3000

model = dict(lambda_damsm_mismatch=10.0)
train_dataloader = dict(dataset=dict(mismatch='attribute_swap'))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
