# The shapes demo model's final DAMSM encoders (docs/damsm.md, "Which colours"):
# configs/shapes_demo/damsm_shapes_demo_pretrained.py's trained on for 1 epoch with hard
# negatives that differ in the shape or in the shape's colour, that colour one of the two
# nearest to the true one in RGB (red -> orange or purple). Uniform colour swaps seldom ask
# red against orange; with these every colour pair is caught (1.00, held-out pairs too).
_base_ = ['./damsm_shapes_demo_pretrained.py']

load_from = 'work_dirs/damsm_shapes_demo_pretrained/epoch_2.pth'
train_cfg = dict(by_epoch=True, max_epochs=1)
train_dataloader = dict(dataset=dict(swap_attributes=('colour', 'shape'),
                                     swap_colour_neighbours=2))
