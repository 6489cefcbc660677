# AttnGAN (Xu et al., CVPR 2018) on MS-COCO 2014, from the DM-GAN code: the same generator
# with AttnGAN's word-context attention instead of the dynamic memory, and the settings of the
# AttnGAN reference (code/cfg/coco_attn2.yml): GF_DIM 48, DF_DIM 96, R_NUM 3, LAMBDA 50,
# 12 words, batch 14, 120 epochs, Adam 2e-4 (0.5, 0.999), EMA 0.999. The discriminators are
# DM-GAN's (spectral norm, no BatchNorm), not AttnGAN's BatchNorm ones (docs/networks.md).
# Train DAMSM first (configs/damsm_coco.py).
_base_ = ['./dmgan_coco.py']

batch_size = 14  # per GPU
max_iters = 82783 // batch_size * 120  # 120 epochs of the 82783 training images, one GPU

model = dict(
    generator=dict(gf_dim=48, num_residual=3, memory=dict(type='WordContextAttention')),
    discriminator=dict(df_dim=96),
    damsm_loss=dict(loss_weight=50.0))  # LAMBDA
train_dataloader = dict(batch_size=batch_size)
train_cfg = dict(by_epoch=False, max_iters=max_iters)
