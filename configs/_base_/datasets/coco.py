# MS-COCO 2014 in the AttnGAN layout (see docs/data.md), DM-GAN training at 256×256.
# The top-level configs override train_dataloader.dataset.data_root with their own variable.
data_root = 'data/coco'
words_num = 12  # TEXT.WORDS_NUM of coco_DMGAN.yml

train_pipeline = [
    dict(type='LoadCaptionImage'),
    dict(type='ResizeShorterSide', size=304),
    dict(type='RandomSquareCrop', size=256),
    dict(type='RandomHorizontalFlip', prob=0.5),
    dict(type='SampleCaption', words_num=words_num),
    dict(type='PackCaptionInputs'),
]
test_pipeline = [
    dict(type='LoadCaptionImage'),
    dict(type='ResizeShorterSide', size=304),
    dict(type='CenterSquareCrop', size=256),
    dict(type='SampleCaption', words_num=words_num, truncation='first', caption_index=0),
    dict(type='PackCaptionInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    # batch_shift as the reference (every COCO image is its own class).
    dataset=dict(type='COCODataset', data_root=data_root, split='train', mismatch='batch_shift',
                 pipeline=train_pipeline))
