# configs/shapes_demo/dmgan_shapes_demo.py's GAN trained on for 7000 iterations with
# mismatched captions that differ from the true one in the shape word only: the whole
# mismatched-pair loss (and the generator's DAMSM mismatch term) goes to the shape, which the
# discriminators check least after the first stage.
_base_ = ['./dmgan_shapes_demo.py']

load_from = 'work_dirs/dmgan_shapes_demo/iter_16000.pth'
max_iters = 7000
train_dataloader = dict(dataset=dict(swap_attributes=('shape', )))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
default_hooks = dict(checkpoint=dict(max_keep_ckpts=16))
