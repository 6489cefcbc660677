# Step 5 of the previous shipped shapes demo model (docs/inference.md, "Tried"): step 2's
# DAMSM encoders (configs/damsm_shapes_demo_conv.py) trained on with hard negatives that
# differ from the true caption in the shape word only. Step 2's sentence vectors, through
# which the generator's first stage and the discriminators see the caption, tell the five
# shapes apart poorly (a linear probe reads the shape of 0.805 of new captions of seen pairs);
# after these 3 epochs it reads 0.935 (tools/analysis/damsm_swap_accuracy.py --probe 3000,
# docs/damsm.md).
# Train: python tools/train.py configs/damsm_shapes_demo_shape.py \
#            --work-dir work_dirs/damsm_shapes_demo_shape
_base_ = ['./damsm_shapes_demo_conv.py']

load_from = 'work_dirs/damsm_shapes_demo_conv/epoch_3.pth'

model = dict(lambda_mismatch=2.0)
train_dataloader = dict(dataset=dict(swap_attributes=('shape', )))
