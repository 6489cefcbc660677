# Step 3 of the shipped shapes demo model: a DAMSM image encoder that can see shapes, trained
# into the space of step 1's text encoder (configs/damsm_shapes_demo.py), which stays frozen:
# the GAN of step 2 was trained on that text encoder's features and keeps them.
# Same data as step 1 (the demo's held-out pairs kept out); not in AttnGAN / DM-GAN:
# - ConvImageEncoder, a small CNN that trains, in place of the random frozen Inception trunk,
#   which cannot see the shape or its size (docs/damsm.md, "What a shapes DAMSM can check");
# - hard negatives: each image must also match its caption better than the same caption with
#   one attribute changed (ShapesDataset mismatch='attribute_swap', DAMSM lambda_mismatch).
# Measured run: docs/damsm.md.
# Train: python tools/train.py configs/damsm_shapes_demo_conv.py \
#            --work-dir work_dirs/damsm_shapes_demo_conv
_base_ = ['./damsm_shapes_demo.py']

# Step 1's text encoder (its Inception image encoder does not fit and is not loaded).
load_from = 'work_dirs/damsm_shapes_demo/epoch_3.pth'

model = dict(
    # No dropout: the text features are the eval-mode ones the GAN sees.
    text_encoder=dict(dropout=0.0),
    # The scenes are 64×64: no resize, 8×8 regions.
    image_encoder=dict(_delete_=True, type='ConvImageEncoder', embedding_dim=256, input_size=64),
    lambda_mismatch=1.0)
# A zero learning rate keeps the text encoder as loaded (Adam's step is lr × ...).
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.0)}))
train_dataloader = dict(dataset=dict(mismatch='attribute_swap'))
