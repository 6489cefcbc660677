# DAMSM pretraining shared by the paper configs (damsm_cub.py, damsm_coco.py; AttnGAN's
# code/cfg/DAMSM/*.yml): batch 48 per GPU at 299×299, 600 epochs. The top-level configs set
# the data, the vocabulary size, the Inception weights and the snapshot interval.
_base_ = ['./default_runtime.py', './models/damsm.py']

image_size = 299          # TREE.BASE_SIZE
batch_size = 48           # per GPU

model = dict(data_preprocessor=dict(pyramid_sizes=(image_size, )))
train_dataloader = dict(
    batch_size=batch_size, num_workers=4, persistent_workers=True, drop_last=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    # batch_shift: DAMSM needs no mismatched captions, so the dataset draws none.
    dataset=dict(split='train', mismatch='batch_shift'))

train_cfg = dict(by_epoch=True, max_epochs=600)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=True, max_keep_ckpts=None,
                    save_last=True))
