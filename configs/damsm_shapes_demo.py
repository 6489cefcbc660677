# DAMSM encoders for the shipped shapes demo model (configs/dmgan_shapes_demo.py): one shape
# per scene, and the demo's held-out (colour, shape) pairs kept out of the encoders' training
# too, so no part of the demo model has seen them. Measured run: docs/inference.md.
# Train: python tools/train.py configs/damsm_shapes_demo.py --work-dir work_dirs/damsm_shapes_demo
_base_ = ['./damsm_shapes.py']

# Must equal heldout_pairs of configs/dmgan_shapes_demo.py (a test checks it).
heldout_pairs = [('red', 'circle'), ('blue', 'square'), ('green', 'triangle'),
                 ('yellow', 'star'), ('purple', 'diamond')]

train_dataloader = dict(dataset=dict(num_images=10000, heldout_pairs=heldout_pairs,
                                     max_objects=1))
train_cfg = dict(by_epoch=True, max_epochs=3)
randomness = dict(seed=0)
