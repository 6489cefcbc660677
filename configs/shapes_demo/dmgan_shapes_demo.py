# The shapes demo model's GAN, first stage: configs/dmgan_shapes.py on one shape per scene,
# with five (colour, shape) pairs kept out of training so that generalisation to unseen
# combinations can be measured from the pixels (split='heldout' of ShapesDataset,
# tools/shapes_demo/shapes_accuracy.py). 16000 iterations on the DAMSM encoders of
# configs/shapes_demo/damsm_shapes_demo_conv.py.
# Recipe (every step of the demo model): tools/shapes_demo/reproduce.sh.
_base_ = ['../dmgan_shapes.py']

# One colour and one shape each: every colour and every shape is still seen in training.
# Must equal heldout_pairs of every shapes demo config (tests/test_shapes_demo_configs.py).
heldout_pairs = [('red', 'circle'), ('blue', 'square'), ('green', 'triangle'),
                 ('yellow', 'star'), ('purple', 'diamond')]
# Encoders trained without the held-out pairs as well: an image encoder that sees the shape's
# colour, the shape and its size, so the DAMSM loss asks for them.
damsm_checkpoint = 'work_dirs/damsm_shapes_demo_conv/epoch_3.pth'
max_iters = 16000

# bf16 autocast (weights, Adam states and losses stay fp32): 1.7x the fp32 speed on a CPU with
# AVX512-BF16 (docs/benchmarks.md); remove these two lines for the fp32 path.
optim_wrapper = dict(generator=dict(type='AutocastOptimWrapper', dtype='bfloat16'),
                     discriminators=dict(type='AutocastOptimWrapper', dtype='bfloat16'))
model = dict(
    image_encoder=dict(_delete_=True, type='ConvImageEncoder', embedding_dim=256, input_size=64),
    text_encoder_weights=damsm_checkpoint,
    image_encoder_weights=damsm_checkpoint,
    # Not in the paper: the final image's DAMSM sentence score must prefer its caption to the
    # discriminators' mismatched one, which differs in one word (below).
    damsm_mismatch_loss=dict(type='DAMSMMismatchLoss', loss_weight=10.0, gamma3=10.0))
# One-word negatives: the discriminators' mismatched caption is the scene's own with one
# attribute changed, so they must check each word, not just the background.
train_dataloader = dict(batch_size=16, dataset=dict(heldout_pairs=heldout_pairs, max_objects=1,
                                                    mismatch='attribute_swap'))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
randomness = dict(seed=0)
default_hooks = dict(checkpoint=dict(max_keep_ckpts=6))
custom_hooks = [
    dict(type='RNGStateHook'),
    # Held-out pairs first (red circle, blue square), then seen ones.
    dict(type='DMGANVisualizationHook', interval=250,
         prompts=['a large red circle in the centre on a white background',
                  'a small blue square on the left on a yellow background',
                  'a large orange triangle near the top on a black background',
                  'a large cyan star at the bottom on a pink background']),
]
