# CUB-200-2011 birds in the AttnGAN layout (see docs/data.md), DM-GAN training at 256×256.
# The top-level configs override the data_root of train_dataloader.dataset and
# test_dataloader.dataset.dataset with their own variable.
data_root = 'data/birds'
words_num = 18  # TEXT.WORDS_NUM of the reference

train_pipeline = [
    dict(type='LoadCaptionImage'),
    dict(type='CropAroundBBox'),
    dict(type='ResizeShorterSide', size=304),  # int(256 * 76 / 64), as the reference
    dict(type='RandomSquareCrop', size=256),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='SampleCaption', words_num=words_num),
    dict(type='PackCaptionInputs'),
]
test_pipeline = [
    dict(type='LoadCaptionImage'),
    dict(type='CropAroundBBox'),
    dict(type='ResizeShorterSide', size=304),
    dict(type='CenterSquareCrop', size=256),
    dict(type='SampleCaption', words_num=words_num, truncation='first', caption_index=0),
    dict(type='PackCaptionInputs'),
]
# 8 workers: the GPU fast path takes several hundred images/s (docs/benchmarks.md); pinned
# batches + the preprocessor's non_blocking copies overlap host->GPU transfers with compute.
train_dataloader = dict(
    batch_size=10, num_workers=8, persistent_workers=True, pin_memory=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    # batch_shift: the mismatched caption of image i is caption i+1 of the batch, as in the
    # reference ('other_class' draws one of another class instead).
    dataset=dict(type='CUBDataset', data_root=data_root, split='train', mismatch='batch_shift',
                 pipeline=train_pipeline))
# The evaluation protocol of the papers: 30,000 samples looping over the test images, each
# with one random caption (seeded, so every run and any number of GPUs sees the same samples).
test_dataloader = dict(
    batch_size=10, num_workers=4, persistent_workers=False, drop_last=False, pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='LoopedCaptionDataset', num_samples=30000, seed=0,
                 dataset=dict(type='CUBDataset', data_root=data_root, split='test',
                              mismatch='batch_shift', test_mode=True,
                              pipeline=test_pipeline)))
test_cfg = dict(type='TestLoop')
