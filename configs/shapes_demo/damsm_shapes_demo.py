# DAMSM encoders of the shapes demo model, first stage: configs/damsm_shapes.py (random frozen
# Inception trunk) on 10,000 one-shape scenes, with the demo's five held-out (colour, shape)
# pairs kept out so that no part of the demo model sees them. 3 epochs.
# Recipe (every step of the demo model): tools/shapes_demo/reproduce.sh.
_base_ = ['../damsm_shapes.py']

# Must equal heldout_pairs of every shapes demo config (tests/test_shapes_demo_configs.py).
heldout_pairs = [('red', 'circle'), ('blue', 'square'), ('green', 'triangle'),
                 ('yellow', 'star'), ('purple', 'diamond')]

train_dataloader = dict(dataset=dict(num_images=10000, heldout_pairs=heldout_pairs,
                                     max_objects=1))
train_cfg = dict(by_epoch=True, max_epochs=3)
randomness = dict(seed=0)
