# The tiny DM-GAN, keeping one checkpoint, with a test-only pause inside checkpoint saves
# (pause_modules.py; tests/tools/test_train_kill.py kills the run there).
_base_ = ['dmgan_tiny.py']
custom_imports = dict(imports=['mmdmgan', 'tiny_modules', 'pause_modules'],
                      allow_failed_imports=False)
train_cfg = dict(by_epoch=False, max_iters=6)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=1, save_last=False))
custom_hooks = [dict(type='RNGStateHook')]
