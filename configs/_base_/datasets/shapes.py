# Synthetic captioned shapes, drawn in memory (no files). Never flip: captions say left/right.
words_num = 22  # the longest shapes caption: nothing is cut

shapes_pipeline = [dict(type='SampleCaption', words_num=words_num), dict(type='PackCaptionInputs')]
train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    # other_class: the mismatched caption describes a scene with another first shape/colour.
    dataset=dict(type='ShapesDataset', num_images=10000, image_size=128, seed=0, split='train',
                 mismatch='other_class', pipeline=shapes_pipeline))
# tools/test.py: new scenes of the test split (no held-out pair), the first caption of each.
test_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=False, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='ShapesDataset', num_images=1000, image_size=128, seed=0, split='test',
                 mismatch='batch_shift', test_mode=True,
                 pipeline=[dict(type='SampleCaption', words_num=words_num, truncation='first',
                                caption_index=0),
                           dict(type='PackCaptionInputs')]))
