# DAMSM pretraining on the synthetic captioned shapes (generated in memory, no files needed).
# CPU-sized: 800 scenes × 4 epochs, batch 16 (~20 min on 2 busy cores; the losses are still
# falling then: raise max_epochs for better encoders, see docs/damsm.md). The 64×64 scenes go
# through Inception at 139×139 (7×7 regions) instead of 299 (17×17), which costs 4.6× more
# and adds nothing to 64-pixel scenes. DM-GAN shapes configs must load these encoders with
# the same image_encoder.input_size.
_base_ = ['./_base_/default_runtime.py', './_base_/models/damsm.py']

# ImageNet Inception-v3 weights of torchvision: set the local path of
# inception_v3_google-0cc3c7bd.pth to use them (a set path that does not exist fails).
inception_weights = None
# Needed while inception_weights is None: the frozen Inception trunk is then RANDOM. The
# encoders still learn to match colours and shapes, but they are not paper-like encoders.
allow_random_init = True

words_num = 22      # longest shapes caption: nothing is cut
vocab_size = 45     # len(mmdmgan.datasets.shapes.shapes_vocabulary())
input_size = 139    # Inception input side (299 in the paper configs)

model = dict(
    text_encoder=dict(vocab_size=vocab_size),
    image_encoder=dict(inception_weights=inception_weights, allow_random_init=allow_random_init,
                       input_size=input_size),
    # The encoder resizes to its input_size itself: keep the 64 scenes as they are here.
    data_preprocessor=dict(pyramid_sizes=(64, )))

shapes_pipeline = [dict(type='SampleCaption', words_num=words_num), dict(type='PackCaptionInputs')]
train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    # batch_shift: DAMSM needs no mismatched captions, so the dataset draws none.
    dataset=dict(type='ShapesDataset', num_images=800, image_size=64, seed=0, split='train',
                 mismatch='batch_shift', pipeline=shapes_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=4)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, by_epoch=True, max_keep_ckpts=2,
                    save_last=True))
