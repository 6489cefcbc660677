# DAMSM pretraining on CUB-200-2011 birds (AttnGAN's code/cfg/DAMSM/bird.yml):
# batch 48, 299×299 crops, Adam 2e-3 (betas 0.5, 0.999) ×0.98 per epoch down to 2e-4,
# text-encoder gradient clip 0.25, gamma1/2/3 = 4/5/10, 600 epochs, snapshot every 50.
# The released AttnGAN/DM-GAN bird encoders are the epoch-200 snapshot (text_encoder200.pth).
_base_ = ['./_base_/damsm_paper.py']

# Paths: the AttnGAN birds folder (see docs/data.md) and torchvision's ImageNet Inception-v3.
data_root = 'data/birds'
inception_weights = 'checkpoints/inception_v3_google-0cc3c7bd.pth'
# Only read when inception_weights is None: True then trains on a RANDOM frozen trunk
# (tests only). A set path that does not exist always fails, naming the file.
allow_random_init = False

# Must equal the vocabulary size of data_root/captions.pickle (5450 for the AttnGAN
# release); tools/data/dataset_stats.py prints it.
vocab_size = 5450
words_num = 18            # TEXT.WORDS_NUM (AttnGAN default)
image_size = 299          # TREE.BASE_SIZE

model = dict(
    text_encoder=dict(vocab_size=vocab_size),
    image_encoder=dict(inception_weights=inception_weights, allow_random_init=allow_random_init))

train_pipeline = [
    dict(type='LoadCaptionImage'),
    dict(type='CropAroundBBox'),
    dict(type='ResizeShorterSide', size=image_size * 76 // 64),   # 355, as the reference
    dict(type='RandomSquareCrop', size=image_size),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='SampleCaption', words_num=words_num),
    dict(type='PackCaptionInputs'),
]
train_dataloader = dict(
    dataset=dict(type='CUBDataset', data_root=data_root, captions_per_image=10,
                 pipeline=train_pipeline))

default_hooks = dict(checkpoint=dict(interval=50))
