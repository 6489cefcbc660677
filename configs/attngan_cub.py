# AttnGAN (Xu et al., CVPR 2018) on CUB-200-2011 birds, from the DM-GAN code: the same
# generator with AttnGAN's word-context attention instead of the dynamic memory, and the
# settings of the AttnGAN reference (code/cfg/bird_attn2.yml): GF_DIM 32, DF_DIM 64, R_NUM 2,
# LAMBDA 5, batch 20, 600 epochs, Adam 2e-4 (0.5, 0.999), EMA 0.999 (its trainer's
# avg_param_G). The discriminators are DM-GAN's (spectral norm, no BatchNorm), not AttnGAN's
# BatchNorm ones (docs/networks.md). Train DAMSM first (configs/damsm_cub.py).
_base_ = ['./dmgan_cub.py']

batch_size = 20  # per GPU
max_iters = 8855 // batch_size * 600  # 600 epochs of the 8855 training images, one GPU

model = dict(
    generator=dict(gf_dim=32, num_residual=2, memory=dict(type='WordContextAttention')),
    discriminator=dict(df_dim=64),
    damsm_loss=dict(loss_weight=5.0))  # LAMBDA
train_dataloader = dict(batch_size=batch_size)
train_cfg = dict(by_epoch=False, max_iters=max_iters)
