# The shapes demo model for captions as people write them (mmdmgan/checkpoints/shapes_demo.pth
# is this run's live generator): the generator of
# configs/shapes_demo/dmgan_shapes_demo_near_colour.py, trained on free-form captions
# (ShapesDataset caption_form='free': position and size words optional, synonyms, word
# orders, several sentences) with the DAMSM encoders of
# configs/shapes_demo/damsm_shapes_demo_free.py (whose text encoder is the fixed-grammar
# model's). Not in the paper: a mode-seeking term (ModeSeekingLoss, weight 0.1) asks the noise
# to decide what a caption leaves open (position, size).
# The start holds the generator only (the exported model, tools/strip_encoders.py): the
# discriminators start fresh, and the generator's learning rate is held at 0.1% for the first
# 500 iterations while they learn against it. No EMA: the live generator is exported.
_base_ = ['./dmgan_shapes_demo_near_colour.py']

words_num = 23   # mmdmgan.datasets.shapes.max_caption_words(free_form=True): nothing is cut
vocab_size = 60  # len(shapes_vocabulary(free_form=True))
damsm_checkpoint = 'work_dirs/damsm_shapes_demo_free/epoch_3.pth'
load_from = 'work_dirs/shapes_demo_generator.pth'
load_from_strict = False  # the start has no discriminator weights: they start as initialised
max_iters = 5000

model = dict(
    text_encoder=dict(vocab_size=vocab_size),
    text_encoder_weights=damsm_checkpoint,
    image_encoder_weights=damsm_checkpoint,
    ema_config=None,
    mode_seeking_loss=dict(type='ModeSeekingLoss', loss_weight=0.1, num_pairs=8))
# Negatives change the shape's colour (one of the two nearest), the shape, its size or its
# position; a changed size or position is named in the negative caption.
train_dataloader = dict(dataset=dict(
    caption_form='free', swap_attributes=('colour', 'shape', 'size', 'position'),
    pipeline=[dict(type='SampleCaption', words_num=words_num), dict(type='PackCaptionInputs')]))
test_dataloader = dict(dataset=dict(
    caption_form='free',
    pipeline=[dict(type='SampleCaption', words_num=words_num, truncation='first',
                   caption_index=0),
              dict(type='PackCaptionInputs')]))
train_cfg = dict(by_epoch=False, max_iters=max_iters)
param_scheduler = dict(
    generator=[dict(type='ConstantLR', factor=0.001, by_epoch=False, begin=0, end=500)],
    discriminators=[])
default_hooks = dict(checkpoint=dict(interval=500, max_keep_ckpts=10))
custom_hooks = [
    dict(type='RNGStateHook'),
    # Held-out pairs first (red circle, blue square), then seen ones.
    dict(type='DMGANVisualizationHook', interval=250,
         prompts=['a big red circle on white',
                  'a tiny blue square on the left. the background is yellow.',
                  'an orange triangle on a black background',
                  'on pink, a large cyan star at the bottom']),
]
