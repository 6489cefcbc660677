# DAMSM encoders that check the shape's colour, the shape and its size, not only the
# background (docs/damsm.md, "What a shapes DAMSM can check"); not in AttnGAN / DM-GAN:
# - ConvImageEncoder, a small CNN that trains, in place of the random frozen Inception trunk,
#   which cannot see the shape or its size;
# - hard negatives: each image must also match its caption better than the same caption with
#   one attribute changed (ShapesDataset mismatch='attribute_swap', DAMSM lambda_mismatch);
# - the text encoder starts from configs/shapes_demo/damsm_shapes_demo.py's, which knows the
#   positions, and trains on.
_base_ = ['./damsm_shapes_demo.py']

load_from = 'work_dirs/damsm_shapes_demo/epoch_3.pth'  # its Inception image encoder is skipped

model = dict(
    # The scenes are 64×64: no resize, 8×8 regions.
    image_encoder=dict(_delete_=True, type='ConvImageEncoder', embedding_dim=256, input_size=64),
    lambda_mismatch=1.0)
train_dataloader = dict(dataset=dict(mismatch='attribute_swap'))
