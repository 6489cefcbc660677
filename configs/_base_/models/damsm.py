# DAMSM pretraining recipe of AttnGAN (code/pretrain_DAMSM.py, cfg/DAMSM/*.yml): bi-LSTM text
# encoder, Inception-v3 image encoder (frozen trunk), words + sentence losses γ1/γ2/γ3 = 4/5/10,
# one Adam 2e-3 (0.5, 0.999) over the text encoder and the image projections, ×0.98 per epoch
# down to 2e-4, text-encoder gradient clip 0.25.
# Top-level configs set the vocabulary size, the Inception weights and the data.
model = dict(
    type='DAMSM',
    text_encoder=dict(type='DAMSMTextEncoder', embedding_dim=300, hidden_dim=256, dropout=0.5),
    image_encoder=dict(type='DAMSMImageEncoder', embedding_dim=256),
    loss=dict(type='DAMSMLoss', gamma1=4.0, gamma2=5.0, gamma3=10.0),
    text_grad_clip=0.25,
    data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(299, ),
                           non_blocking=True))

# No clip_grad here: the model clips the text encoder alone (text_grad_clip).
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3, betas=(0.5, 0.999)))
param_scheduler = dict(type='FlooredExponentialLR', gamma=0.98, floor=2e-4, by_epoch=True)
# The separate wrapper keeps DAMSM.train_step (and so the text-encoder clip) under DDP.
model_wrapper_cfg = dict(type='DeviceAgnosticSeparateDistributedDataParallel')
