# The shapes demo model's DAMSM image encoder for captions as people write them: the free-form
# captions of ShapesDataset (caption_form='free': position and size words optional, synonyms,
# word orders, several sentences) and the 60-word vocabulary they need. The text encoder is the
# fixed-grammar model's, grown to 60 words (tools/shapes_demo/extend_vocabulary.py), and stays
# as it is (learning rate 0), so that the generator trained on it keeps the sentence and word
# vectors it knows; the image encoder starts from one pretrained to name the shape
# (tools/shapes_demo/pretrain_shapes_image_encoder.py) and learns to match that text encoder.
# Hard negatives change the shape's colour (one of the two nearest), the shape, its size or its
# position; a changed size or position is named in the negative caption. 3 epochs.
_base_ = ['./damsm_shapes_demo_near_colour.py']

words_num = 23   # mmdmgan.datasets.shapes.max_caption_words(free_form=True): nothing is cut
vocab_size = 60  # len(shapes_vocabulary(free_form=True))

load_from = 'work_dirs/shapes_image_encoder_free_init.pth'
model = dict(text_encoder=dict(vocab_size=vocab_size))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.0)}))
train_dataloader = dict(dataset=dict(
    caption_form='free', swap_attributes=('colour', 'shape', 'size', 'position'),
    pipeline=[dict(type='SampleCaption', words_num=words_num), dict(type='PackCaptionInputs')]))
train_cfg = dict(by_epoch=True, max_epochs=3)
