# DAMSM encoders whose sentence vectors tell all five shapes apart (docs/damsm.md, "An image
# encoder that knows the shapes first"): the ConvImageEncoder starts from one pretrained to
# name the scenes' shape (tools/shapes_demo/pretrain_shapes_image_encoder.py, as the paper's
# image encoder starts from ImageNet weights), the text encoder from
# configs/shapes_demo/damsm_shapes_demo_conv.py's; hard negatives differ in the shape word only.
# 2 epochs.
_base_ = ['./damsm_shapes_demo_conv.py']

load_from = 'work_dirs/shapes_image_encoder_init.pth'
train_cfg = dict(by_epoch=True, max_epochs=2)

model = dict(lambda_mismatch=2.0)
train_dataloader = dict(dataset=dict(swap_attributes=('shape', )))
