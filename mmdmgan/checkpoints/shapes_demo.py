# The shipped shapes DM-GAN for sampling (demo/text2img.py without CONFIG/CKPT): the live
# generator and the DAMSM text encoder of configs/shapes_demo/dmgan_shapes_demo_free.py (trained
# on captions as people write them: position and size words optional, synonyms, word orders,
# several sentences), the last run of tools/shapes_demo/reproduce.sh, exported with
# tools/export_sampler.py; five colour/shape pairs held out throughout. What it is and what it
# scores: docs/shapes_demo.md.
# Only sampling parts carry weights: the discriminators are built (the model class needs
# them) but stay random; no image encoder.
default_scope = 'mmdmgan'
words_num = 23  # its training captions' limit: infer cuts longer prompts to it
model = dict(
    type='DMGAN',
    generator=dict(type='DMGANGenerator', noise_dim=100, text_dim=256, condition_dim=100,
                   gf_dim=16, num_stages=2, num_residual=1),
    discriminator=dict(type='DMGANDiscriminator', df_dim=16, text_dim=256),
    text_encoder=dict(type='DAMSMTextEncoder', vocab_size=60, embedding_dim=300, hidden_dim=256),
    image_encoder=None,
    damsm_loss=None,
    allow_random_encoders=True,
    vocabulary='{{ fileDirname }}/shapes_demo_vocab.json',
    data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(64, 128)))
