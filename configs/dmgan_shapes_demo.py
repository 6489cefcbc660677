# Held-out experiment for the shapes demo model: configs/dmgan_shapes.py with five
# (colour, shape) pairs kept out of training, so that generalisation to unseen combinations
# can be measured (split='heldout' of ShapesDataset, tools/analysis/shapes_accuracy.py).
# Measured runs and the model actually shipped: docs/inference.md.
# Train:  python tools/train.py configs/dmgan_shapes_demo.py --work-dir work_dirs/shapes_demo
# Export: python tools/export_sampler.py work_dirs/shapes_demo/iter_N.pth OUT.pth --vocab shapes
_base_ = ['./dmgan_shapes.py']

# One colour and one shape each: every colour and every shape is still seen in training.
heldout_pairs = [('red', 'circle'), ('blue', 'square'), ('green', 'triangle'),
                 ('yellow', 'star'), ('purple', 'diamond')]
max_iters = 4000

train_dataloader = dict(batch_size=8, dataset=dict(heldout_pairs=heldout_pairs))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
randomness = dict(seed=0)
