# The shipped shapes DM-GAN for sampling (demo/text2img.py without CONFIG/CKPT): the
# generator and the DAMSM text encoder of CPU runs of configs/dmgan_shapes_demo.py (16000
# iterations), configs/dmgan_shapes_demo_shape.py (7000),
# configs/dmgan_shapes_demo_pretrained_damsm.py (to 5000),
# configs/dmgan_shapes_demo_pretrained_colour.py (to 9000) and
# configs/dmgan_shapes_demo_near_colour.py (1000; DAMSM encoders of
# configs/damsm_shapes_demo_near_colour.py, whose text encoder is the one here); five
# colour/shape pairs held out throughout; exported with tools/export_sampler.py into
# shapes_demo.pth; see docs/inference.md for how it was trained and its measured accuracy.
# Only sampling parts carry weights: the discriminators are built (the model class needs
# them) but stay random; no image encoder.
default_scope = 'mmdmgan'
words_num = 22  # its training captions' limit: infer cuts longer prompts to it
model = dict(
    type='DMGAN',
    generator=dict(type='DMGANGenerator', noise_dim=100, text_dim=256, condition_dim=100,
                   gf_dim=16, num_stages=2, num_residual=1),
    discriminator=dict(type='DMGANDiscriminator', df_dim=16, text_dim=256),
    text_encoder=dict(type='DAMSMTextEncoder', vocab_size=45, embedding_dim=300, hidden_dim=256),
    image_encoder=None,
    damsm_loss=None,
    allow_random_encoders=True,
    vocabulary='{{ fileDirname }}/shapes_demo_vocab.json',
    data_preprocessor=dict(type='DMGANDataPreprocessor', pyramid_sizes=(64, 128)))
