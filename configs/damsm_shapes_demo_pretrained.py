# Steps 5-6 of the shipped shapes demo model (docs/inference.md; docs/damsm.md, "An image
# encoder that knows the shapes first"): configs/damsm_shapes_demo_shape.py (shape-only hard
# negatives, text encoder training on) started from an image encoder pretrained to name the
# scenes' shape, as the paper's starts from ImageNet weights, instead of step 2's. Trained
# from each other, step 2's encoders settled on rounded vs pointed and their sentence
# vectors for "circle" and "square" have cosine 0.998; from this start, after 2 epochs,
# 0.56, and every one-word shape swap is caught, on held-out pairs too.
# 5. python tools/pretrain_shapes_image_encoder.py configs/damsm_shapes_demo_conv.py \
#        work_dirs/shapes_image_encoder_init.pth \
#        --text-from work_dirs/damsm_shapes_demo_conv/epoch_3.pth
# 6. python tools/train.py configs/damsm_shapes_demo_pretrained.py \
#        --work-dir work_dirs/damsm_shapes_demo_pretrained
_base_ = ['./damsm_shapes_demo_shape.py']

load_from = 'work_dirs/shapes_image_encoder_init.pth'
train_cfg = dict(by_epoch=True, max_epochs=2)
