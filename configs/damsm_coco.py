# DAMSM pretraining on MS-COCO 2014 (AttnGAN's code/cfg/DAMSM/coco.yml):
# batch 48, 299×299 crops, Adam 2e-3 (betas 0.5, 0.999) ×0.98 per epoch down to 2e-4,
# text-encoder gradient clip 0.25, gamma1/2/3 = 4/5/10, 600 epochs, snapshot every 5.
# The released AttnGAN/DM-GAN COCO encoders are the epoch-100 snapshot (text_encoder100.pth).
_base_ = ['./_base_/default_runtime.py', './_base_/models/damsm.py']

# Paths: the AttnGAN coco folder (see docs/data.md) and torchvision's ImageNet Inception-v3.
data_root = 'data/coco'
inception_weights = 'checkpoints/inception_v3_google-0cc3c7bd.pth'
# Only read when inception_weights is None: True then trains on a RANDOM frozen trunk
# (tests only). A set path that does not exist always fails, naming the file.
allow_random_init = False

# Must equal the vocabulary size of data_root/captions.pickle (27297 for the AttnGAN
# release); tools/data/dataset_stats.py prints it.
vocab_size = 27297
words_num = 15            # TEXT.WORDS_NUM of coco.yml
image_size = 299          # TREE.BASE_SIZE
batch_size = 48           # per GPU

model = dict(
    text_encoder=dict(vocab_size=vocab_size),
    image_encoder=dict(inception_weights=inception_weights, allow_random_init=allow_random_init),
    data_preprocessor=dict(pyramid_sizes=(image_size, )))

train_pipeline = [
    dict(type='LoadCaptionImage'),
    dict(type='ResizeShorterSide', size=image_size * 76 // 64),   # 355, as the reference
    dict(type='RandomSquareCrop', size=image_size),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='SampleCaption', words_num=words_num),
    dict(type='PackCaptionInputs'),
]
train_dataloader = dict(
    batch_size=batch_size, num_workers=4, persistent_workers=True, drop_last=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    # batch_shift: DAMSM needs no mismatched captions, so the dataset draws none.
    dataset=dict(type='COCODataset', data_root=data_root, split='train',
                 captions_per_image=5, mismatch='batch_shift', pipeline=train_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=600)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='AtomicCheckpointHook', interval=5, by_epoch=True, max_keep_ckpts=None,
                    save_last=True))
