# DM-GAN of the paper (3 stages: 64, 128, 256), optimisers, EMA and the DDP wrapper.
# Top-level configs set the vocabulary size, R_NUM, λ and the DAMSM weight files.
model = dict(
    type='DMGAN',
    # memory: the refinement stages' text block (docs/networks.md: ablations, AttnGAN)
    generator=dict(type='DMGANGenerator', noise_dim=100, text_dim=256, condition_dim=100,
                   gf_dim=64, num_stages=3, num_residual=2, memory=dict(type='DynamicMemory')),
    discriminator=dict(type='DMGANDiscriminator', df_dim=32, text_dim=256),
    text_encoder=dict(type='DAMSMTextEncoder', embedding_dim=300, hidden_dim=256),
    image_encoder=dict(type='DAMSMImageEncoder', embedding_dim=256,
                       # the Inception trunk comes with the DAMSM image encoder weights
                       allow_random_init=True),
    # Generator loss: Σ_k adversarial + λ·DAMSM(words + sentence) + KL (DM-GAN Eq. 8-11)
    adversarial_loss=dict(type='DMGANAdversarialLoss', loss_weight=1.0),
    damsm_loss=dict(type='DAMSMGeneratorLoss', loss_weight=5.0, gamma1=4.0, gamma2=5.0,
                    gamma3=10.0),
    kl_loss=dict(type='ConditioningKLLoss', loss_weight=1.0),
    # decay 0.999 of the reference: avg = 0.999·avg + 0.001·G after every G step
    ema_config=dict(type='ExponentialMovingAverage', momentum=0.001),
    # non_blocking: host->GPU copies of pinned batches overlap with compute
    data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(64, 128, 256),
                           non_blocking=True,
                           mismatch='batch_shift'))

# One wrapper for G and one for ALL discriminators (they have disjoint parameters, so one
# Adam step on Σ_k L_Dk equals the reference's separate step per D_k).
optim_wrapper = dict(
    constructor='DMGANMultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminators=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))
# G and the Ds each get their own DDP; the frozen DAMSM encoders stay outside DDP.
model_wrapper_cfg = dict(type='DeviceAgnosticSeparateDistributedDataParallel')
