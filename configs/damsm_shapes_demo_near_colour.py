# Step 10 of the shipped shapes demo model (docs/damsm.md, "Which colours"): step 6's DAMSM
# encoders (configs/damsm_shapes_demo_pretrained.py) trained on for 1 more epoch with hard
# negatives that differ in the shape or in the shape's colour, that colour one of the two
# nearest to the true one in RGB (red → orange or purple). Step 6's encoders check orange
# against red 0.80 of the time and blue against purple 0.45 (uniform colour swaps seldom
# ask); after this epoch every colour pair is caught (1.00, held-out pairs too) and the
# shape swaps stay at 1.00. 4 min.
# python tools/train.py configs/damsm_shapes_demo_near_colour.py \
#     --work-dir work_dirs/damsm_shapes_demo_near_colour
_base_ = ['./damsm_shapes_demo_pretrained.py']

load_from = 'work_dirs/damsm_shapes_demo_pretrained/epoch_2.pth'
train_cfg = dict(by_epoch=True, max_epochs=1)
train_dataloader = dict(dataset=dict(swap_attributes=('colour', 'shape'),
                                     swap_colour_neighbours=2))
