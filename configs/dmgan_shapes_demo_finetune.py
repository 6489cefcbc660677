# Step 4 of the shipped shapes demo model (mmdmgan/checkpoints/shapes_demo.pth): fine-tune the
# generator and discriminators of the 6000-iteration run of configs/dmgan_shapes_demo.py with
# - the DAMSM encoders of step 3 (configs/damsm_shapes_demo_conv.py): step 1's text encoder
#   (so G and the Ds keep the text features they were trained on) with an image encoder that
#   can tell the shape and its size; the random Inception one of step 2 cannot, so the
#   generator's DAMSM loss now asks for the captioned shape;
# - one-word negatives: the discriminator's mismatched caption is the scene's own with one
#   attribute changed (ShapesDataset mismatch='attribute_swap'), and the final image must score
#   its caption above that caption under DAMSM (lambda_damsm_mismatch, not in the paper).
# How it was trained and what it scores: docs/inference.md.
# python tools/strip_encoders.py work_dirs/dmgan_shapes_demo/iter_6000.pth \
#     work_dirs/dmgan_shapes_demo/iter_6000_gan_only.pth
# python tools/train.py configs/dmgan_shapes_demo_finetune.py \
#     --work-dir work_dirs/dmgan_shapes_demo_finetune
_base_ = ['./dmgan_shapes_demo.py']

# G, its EMA and the Ds of step 2 without step 2's encoders (load_from would load its image
# encoder's over the one below); fresh optimiser states and iteration count.
load_from = 'work_dirs/dmgan_shapes_demo/iter_6000_gan_only.pth'
damsm_checkpoint = 'work_dirs/damsm_shapes_demo_conv/epoch_3.pth'
max_iters = 3000

model = dict(
    image_encoder=dict(_delete_=True, type='ConvImageEncoder', embedding_dim=256, input_size=64),
    text_encoder_weights=damsm_checkpoint,
    image_encoder_weights=damsm_checkpoint,
    lambda_damsm_mismatch=10.0)
train_dataloader = dict(dataset=dict(mismatch='attribute_swap'))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
default_hooks = dict(checkpoint=dict(max_keep_ckpts=6))
