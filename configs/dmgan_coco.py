# DM-GAN on MS-COCO 2014 (the reference's code/cfg/coco_DMGAN.yml): batch 16 per GPU,
# 200 epochs, λ = 50, R_NUM = 3, 12 words, Adam 2e-4 (0.5, 0.999), EMA 0.999.
# Train DAMSM first (configs/damsm_coco.py) and export its encoders (docs/training.md).
_base_ = [
    './_base_/default_runtime.py', './_base_/datasets/coco.py', './_base_/models/dmgan.py'
]

# ---- paths: data and the pretrained DAMSM encoders ------------------------------------
data_root = 'data/coco'
# tools/export_damsm.py output; the DAMSM training checkpoint itself or the original
# release files (text_encoder100.pth, image_encoder100.pth) load as well.
text_encoder_weights = 'checkpoints/damsm_coco/text_encoder.pth'
image_encoder_weights = 'checkpoints/damsm_coco/image_encoder.pth'
vocab_size = 27297  # vocabulary of data_root/captions.pickle (tools/data/dataset_stats.py)
# Evaluation (tools/test.py, docs/evaluation.md): pytorch-fid's port of the TF Inception, a
# local file (https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/
# pt_inception-2015-12-05-6726825d.pth); nothing is downloaded.
inception_weights = 'checkpoints/inception/pt_inception-2015-12-05-6726825d.pth'

batch_size = 16  # per GPU
max_iters = 82783 // batch_size * 200  # 200 epochs of the 82783 training images, one GPU

model = dict(
    generator=dict(num_residual=3),
    text_encoder=dict(vocab_size=vocab_size),
    text_encoder_weights=text_encoder_weights,
    image_encoder_weights=image_encoder_weights,
    damsm_loss=dict(loss_weight=50.0))  # LAMBDA
train_dataloader = dict(batch_size=batch_size, dataset=dict(data_root=data_root))
train_cfg = dict(by_epoch=False, max_iters=max_iters)

# IS, FID and R-precision over the 30,000 samples of test_dataloader (configs/_base_/datasets).
# R-precision uses the DAMSM features that DMGAN.test_step attaches to every sample.
test_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
inception = dict(style='pytorch_fid', weights=inception_weights)
test_evaluator = dict(type='Evaluator', metrics=[
    dict(type='DMGANInceptionScore', inception=inception, splits=10),
    # real statistics cached as work_dirs/fid_cache/coco_test-<weights>-256x256.npz
    dict(type='DMGANFID', inception=inception, dataset_name='coco_test'),
    dict(type='RPrecision', num_mismatched=99, num_folds=10, group_key='class_id'),
])

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    checkpoint=dict(type='AtomicCheckpointHook', interval=10000, by_epoch=False,
                    max_keep_ckpts=5, save_last=True))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='DMGANVisualizationHook', interval=5000,
         prompts=['a group of people standing on top of a snow covered slope',
                  'a red double decker bus driving down a city street',
                  'a plate of food with broccoli and rice on a table',
                  'a giraffe standing next to a tree in a grassy field']),
]
