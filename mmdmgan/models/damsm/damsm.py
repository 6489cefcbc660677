"""DAMSM pretraining: the text and image encoders matched by the DAMSM losses (AttnGAN, 3.3)."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from torch import Tensor, nn
from torch.nn.utils import clip_grad_norm_

from mmdmgan.models.damsm.losses import mismatch_sentence_loss
from mmdmgan.registry import MODELS
from mmdmgan.structures import DataSample

#: The loss terms DAMSM pretraining optimises and logs (their sum is logged as ``loss``).
LOSS_KEYS = ('loss_words_img2cap', 'loss_words_cap2img', 'loss_sentence_img2cap',
             'loss_sentence_cap2img')


@MODELS.register_module()
class DAMSM(BaseModel):
    """Deep Attentional Multimodal Similarity Model, trained on its own before any GAN.

    One optimizer (Adam in the configs) updates the text encoder and the image encoder's two
    projections together to minimise the words and sentence losses in both directions:
    ``L_DAMSM = L_1^w + L_2^w + L_1^s + L_2^s`` (AttnGAN, Eq. 11-13), with same-class pairs
    masked out of the softmax. As in the reference, the gradient norm of the text encoder
    alone is clipped (an LSTM guard) before the step.

    Difference from the reference: the Inception-v3 trunk of the image encoder is frozen
    *including* its BatchNorm statistics (:class:`DAMSMImageEncoder` keeps the trunk in eval
    mode). The reference puts the whole CNN in train mode, so its BatchNorm running means and
    variances drift towards the captioned dataset while the weights stay fixed.

    Optional hard negatives (not in AttnGAN): with ``lambda_mismatch > 0`` each image must
    also match its caption better than the batch's mismatched caption
    (:func:`~mmdmgan.models.damsm.losses.mismatch_sentence_loss`, logged as
    ``loss_sentence_mismatch``). With a dataset whose mismatched caption differs in one word
    (``ShapesDataset(mismatch='attribute_swap')``) this teaches both encoders that word.

    The trained encoders are what DM-GAN loads: ``tools/export_damsm.py`` writes them as
    ``text_encoder.pth`` and ``image_encoder.pth``.

    Args:
        text_encoder (dict): Config of :class:`DAMSMTextEncoder` (``vocab_size`` must equal
            the dataset's vocabulary size).
        image_encoder (dict): Config of :class:`DAMSMImageEncoder`.
        loss (dict): Config of :class:`DAMSMLoss` (gamma1=4, gamma2=5, gamma3=10).
        text_grad_clip (float, optional): Max gradient norm of the text encoder (0.25 in the
            reference); ``None`` disables clipping.
        lambda_mismatch (float): Weight of the hard-negative sentence term. Defaults to 0
            (off, as in the paper).
        data_preprocessor (dict, optional): Defaults to ``DMGANDataPreprocessor`` with the
            single size 299 (the reference's input).
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 text_encoder: dict,
                 image_encoder: dict,
                 loss: Optional[dict] = None,
                 text_grad_clip: Optional[float] = 0.25,
                 lambda_mismatch: float = 0.0,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='DMGANDataPreprocessor', pyramid_sizes=(299, ))
        if isinstance(data_preprocessor, dict):
            # Built from our registry so that the model also builds outside a runner scope.
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.text_encoder = MODELS.build(text_encoder)
        # Kept here: under MMSeparateDistributedDataParallel the encoder is a DDP wrapper.
        self.vocab_size = self.text_encoder.vocab_size
        self.image_encoder = MODELS.build(image_encoder)
        self.loss = MODELS.build(loss if loss is not None else dict(type='DAMSMLoss'))
        if text_grad_clip is not None and text_grad_clip <= 0:
            raise ValueError(f'text_grad_clip must be positive or None, got {text_grad_clip}')
        self.text_grad_clip = text_grad_clip
        if lambda_mismatch < 0:
            raise ValueError(f'lambda_mismatch must be >= 0, got {lambda_mismatch}')
        self.lambda_mismatch = lambda_mismatch

    def encode(self, inputs: dict) -> Dict[str, Tensor]:
        """Encode a preprocessed batch.

        Args:
            inputs (dict): ``imgs`` (list whose last entry is B×3×H×W in [-1, 1]),
                ``caption_ids`` B×T, ``caption_len`` B, optionally ``class_id`` B.

        Returns:
            dict[str, Tensor]: ``regions`` B×D×h×w, ``image_code`` B×D, ``words`` B×D×T,
            ``sentence`` B×D.
        """
        for key in ('imgs', 'caption_ids', 'caption_len'):
            if key not in inputs:
                raise KeyError(f'DAMSM needs images and captions; the batch has no {key!r} '
                               f'(got {sorted(inputs)}); check the dataset pipeline')
        caption_ids = inputs['caption_ids']
        if caption_ids.numel() and int(caption_ids.max()) >= self.vocab_size:
            raise ValueError(f'token id {int(caption_ids.max())} is outside the text encoder '
                             f'vocabulary ({self.vocab_size} words): set '
                             'model.text_encoder.vocab_size to len(dataset.vocabulary)')
        regions, image_code = self.image_encoder(inputs['imgs'][-1])
        words, sentence = self.text_encoder(caption_ids, inputs['caption_len'])
        return dict(regions=regions, image_code=image_code, words=words, sentence=sentence)

    def compute_losses(self, inputs: dict,
                       features: Optional[Dict[str, Tensor]] = None) -> Dict[str, Tensor]:
        """The four DAMSM loss terms (:data:`LOSS_KEYS`) of a preprocessed batch, and
        ``loss_sentence_mismatch`` when ``lambda_mismatch > 0``.

        Args:
            inputs (dict): See :meth:`encode`; with ``lambda_mismatch > 0`` also
                ``wrong_caption_ids`` B×T and ``wrong_caption_len`` B.
            features (dict, optional): Output of :meth:`encode` for ``inputs``, when known.
        """
        if features is None:
            features = self.encode(inputs)
        losses = self.loss.directional_losses(features['regions'], features['image_code'],
                                              features['words'], features['sentence'],
                                              inputs['caption_len'], inputs.get('class_id'))
        if self.lambda_mismatch:
            if 'wrong_caption_ids' not in inputs:
                raise KeyError('lambda_mismatch > 0 needs mismatched captions: the batch has '
                               "no 'wrong_caption_ids'; use data_preprocessor "
                               "mismatch='auto' (the default)")
            _, wrong_sentence = self.text_encoder(inputs['wrong_caption_ids'],
                                                  inputs['wrong_caption_len'])
            losses['loss_sentence_mismatch'] = self.lambda_mismatch * mismatch_sentence_loss(
                features['image_code'], features['sentence'], wrong_sentence,
                self.loss.gamma3)
        return losses

    def forward(self,
                inputs: dict,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], List[DataSample]]:
        """MMEngine's entry point.

        Args:
            inputs (dict): Output ``inputs`` of the data preprocessor.
            data_samples (list[DataSample], optional): The batch's samples.
            mode (str): ``'loss'`` (the loss terms), ``'tensor'`` (the features of
                :meth:`encode`) or ``'predict'`` (see :meth:`predict`).
        """
        if mode == 'loss':
            return self.compute_losses(inputs)
        if mode == 'tensor':
            return self.encode(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f"mode must be 'loss', 'tensor' or 'predict', got {mode!r}")

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        """One optimisation step over both encoders' trainable parameters.

        Args:
            data (dict): A collated batch from the dataloader.
            optim_wrapper (OptimWrapper): One wrapper holding the text encoder's and the
                image projections' parameters (the frozen trunk gets no gradients). Leave its
                ``clip_grad`` unset: the text encoder is clipped here (``text_grad_clip``).

        Returns:
            dict[str, Tensor]: The four loss terms and their sum ``loss``, for logging.
        """
        if not isinstance(optim_wrapper, OptimWrapper):
            raise TypeError('DAMSM trains both encoders with one optim wrapper (as the '
                            f'reference\'s single Adam), got {type(optim_wrapper).__name__}')
        if optim_wrapper.clip_grad_kwargs:
            raise ValueError('remove clip_grad from optim_wrapper: DAMSM clips only the text '
                             'encoder, with model.text_grad_clip')
        data = self.data_preprocessor(data, True)
        with optim_wrapper.optim_context(self):
            losses = self.compute_losses(data['inputs'])
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper.backward(optim_wrapper.scale_loss(loss))
        if optim_wrapper.should_update():
            if self.text_grad_clip is not None:
                if isinstance(optim_wrapper, AmpOptimWrapper):
                    # Clip the true gradients, not the loss-scaled ones.
                    optim_wrapper.loss_scaler.unscale_(optim_wrapper.optimizer)
                clip_grad_norm_(self.text_encoder.parameters(), self.text_grad_clip)
            optim_wrapper.step()
            optim_wrapper.zero_grad()
        return log_vars

    @torch.no_grad()
    def predict(self, inputs: dict, data_samples: Optional[List[DataSample]]) -> List[DataSample]:
        """Features and losses of a batch, one :class:`DataSample` per item.

        Each sample gets ``image_code`` and ``sentence`` (D, e.g. for image-caption
        retrieval / R-precision) and the four loss terms of its **batch** (0-d tensors named
        as :data:`LOSS_KEYS`; the losses compare the items of a batch with each other).
        """
        features = self.encode(inputs)
        losses = self.compute_losses(inputs, features)
        batch_size = features['image_code'].size(0)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(batch_size)]
        for index, sample in enumerate(data_samples):
            sample.image_code = features['image_code'][index]
            sample.sentence = features['sentence'][index]
            for key in LOSS_KEYS:
                sample.set_field(losses[key], key)
        return data_samples

    def val_step(self, data: Union[dict, tuple, list]) -> List[DataSample]:
        """Preprocess a batch and return :meth:`predict`'s samples."""
        data = self.data_preprocessor(data, False)
        return self(**data, mode='predict')

    def test_step(self, data: Union[dict, tuple, list]) -> List[DataSample]:
        """Same as :meth:`val_step`."""
        return self.val_step(data)
