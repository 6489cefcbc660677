# Step 6 of the previous shipped shapes demo model (docs/inference.md, "Tried"): step 5's
# image encoder (configs/damsm_shapes_demo_shape.py) trained on against its text encoder,
# which stays frozen (learning rate 0, no dropout: its sentence vectors, where the five shapes
# are already apart, are the fixed targets), with a 5x stronger shape-only hard-negative term.
# After step 5 the DAMSM loss, like both discriminators, tells rounded from pointed shapes but
# hardly a circle from a square or a star from a diamond (swap accuracies near 0.5 within a
# family, tools/analysis/damsm_swap_accuracy.py --shape-table, docs/damsm.md).
# Train: python tools/train.py configs/damsm_shapes_demo_shape_image.py \
#            --work-dir work_dirs/damsm_shapes_demo_shape_image
_base_ = ['./damsm_shapes_demo_shape.py']

load_from = 'work_dirs/damsm_shapes_demo_shape/epoch_3.pth'

model = dict(lambda_mismatch=10.0, text_encoder=dict(dropout=0.0))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.0)}))
