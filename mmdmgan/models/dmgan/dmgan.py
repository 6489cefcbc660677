"""DM-GAN as an MMEngine model: the training step, EMA sampling and inference outputs."""
import logging
import warnings
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import Tensor, nn

from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.models.damsm.text_encoder import padding_mask
from mmdmgan.models.utils.encoder_weights import load_encoder_weights
from mmdmgan.registry import MODELS
from mmdmgan.structures import DataSample
from mmdmgan.utils import get_valid_model

from .discriminator import StageDiscriminators
from .generator import GeneratorOutput
from .indexed_noise import check_seed, draw_seed, indexed_noise
from .losses import legacy_loss_configs
from .text2image import DMGANText2ImagePipeline, Text2ImageOutput

ModelCfg = Union[dict, nn.Module]


@MODELS.register_module()
class DMGAN(BaseModel):
    """DM-GAN (Zhu et al., CVPR 2019) training and sampling, after MMagic's ``BaseGAN``.

    Attributes: ``generator``, ``discriminators`` (:class:`StageDiscriminators`, one
    :class:`DMGANDiscriminator` per stage: 64, 128, 256), ``text_encoder`` and
    ``image_encoder`` (pretrained DAMSM, frozen: no gradients, always in eval mode) and
    ``generator_ema`` (an :class:`mmengine.model.ExponentialMovingAverage` of the generator)
    when ``ema_config`` is set.

    Optimisation (``train_step``) expects an ``OptimWrapperDict`` with ``generator`` and
    ``discriminators``; the latter is ONE wrapper over all discriminators. The discriminators
    have disjoint parameters and Adam is per-parameter, so one step on Σ_k L_{D_k} equals the
    reference's separate step of each D_k on its own loss.

    Args:
        generator (dict): ``DMGANGenerator`` config.
        discriminator (dict | list[dict]): One ``DMGANDiscriminator`` config, expanded to every
            stage (``image_size`` = 64·2^k), or one config per stage.
        text_encoder (dict): ``DAMSMTextEncoder`` config.
        image_encoder (dict, optional): ``DAMSMImageEncoder`` config (or any module with its
            interface: B×3×H×W in [-1, 1] → regions B×D×h×w, code B×D). ``None`` only
            without ``damsm_loss`` and ``damsm_mismatch_loss``.
        text_encoder_weights (str, optional): Local file with the DAMSM text encoder weights
            (see :func:`load_encoder_weights` for the accepted formats).
        image_encoder_weights (str, optional): Same for the image encoder.
        allow_random_encoders (bool): Keep randomly initialised encoders when no weights file
            is given (tests, or weights loaded afterwards from a full checkpoint).
        lambda_damsm, gamma1, gamma2, gamma3, lambda_damsm_mismatch (float, optional):
            Deprecated flat loss weights. When any is given, all take their former defaults
            (λ 5, λ_mismatch 0, γ 4, 5, 10) and map, with a ``DeprecationWarning``, to
            ``damsm_loss=dict(type='DAMSMGeneratorLoss', loss_weight=lambda_damsm,
            gamma1=..., gamma2=..., gamma3=...)`` and ``damsm_mismatch_loss=dict(
            type='DAMSMMismatchLoss', loss_weight=lambda_damsm_mismatch, gamma3=...)``
            (a λ of 0 means no term). Not together with those configs.
        ema_config (dict, optional): e.g. ``dict(type='ExponentialMovingAverage',
            momentum=0.001)`` (the reference's decay 0.999). Buffers are copied from the live
            generator, as the reference does.
        data_preprocessor (dict, optional): Defaults to ``DMGANDataPreprocessor`` with one
            pyramid level per stage.
        channels_last (bool): Keep the generator's and discriminators' weights in
            channels-last memory layout (faster convolutions on tensor-core GPUs; the
            activations follow the weights). Same results within fp32 rounding. Defaults to
            False.
        init_cfg (dict, optional): MMEngine initialisation config.
        vocabulary (str | Vocabulary, optional): The caption vocabulary (or its vocab.json)
            that :meth:`infer` tokenises prompts with; ``mmdmgan.apis.init_model`` also finds
            it in the checkpoint (see docs/inference.md).
        eval_noise_seed (int, optional): ``val_step`` / ``test_step`` draw the noise of each
            sample from ``(eval_noise_seed, sample_idx)`` (:func:`indexed_noise`), so metrics
            do not depend on the batch size or the number of processes and repeat exactly.
            ``None`` draws from the global RNG. Defaults to 0.
        adversarial_loss (dict, optional): The adversarial terms of G and the Ds;
            ``None`` means ``dict(type='DMGANAdversarialLoss')`` (the paper's, weight 1).
        damsm_loss (dict, optional): The generator's DAMSM term, e.g.
            ``dict(type='DAMSMGeneratorLoss', loss_weight=5.0)`` (λ = 5 CUB, 50 COCO;
            γ1, γ2, γ3 = 4, 5, 10). ``None``: no DAMSM term (sampling-only models).
        damsm_mismatch_loss (dict, optional): An extra generator term, not in the paper:
            ``dict(type='DAMSMMismatchLoss', loss_weight=λ)``, the final image must match its
            caption better than the mismatched caption of the discriminator loss, useful when
            those differ in one word. ``None`` (default): off, the paper's loss.
        kl_loss (dict, optional): The conditioning-augmentation KL term; ``None`` means
            ``dict(type='ConditioningKLLoss')`` (weight 1, the paper's).
        mode_seeking_loss (dict, optional): An extra generator term, not in the paper:
            ``dict(type='ModeSeekingLoss', loss_weight=λ, num_pairs=P)`` draws a second
            sample for P captions of each batch and asks the two to differ (MSGAN), so that
            the noise matters. ``None`` (default): off, the paper's loss.
    """

    #: Parts only training uses (a sampling checkpoint has no weights for them).
    TRAINING_ONLY_PARTS = ('discriminators', 'image_encoder')

    def __init__(self,
                 generator: ModelCfg,
                 discriminator: Union[dict, List[dict]],
                 text_encoder: ModelCfg,
                 image_encoder: Optional[ModelCfg] = None,
                 text_encoder_weights: Optional[str] = None,
                 image_encoder_weights: Optional[str] = None,
                 allow_random_encoders: bool = False,
                 lambda_damsm: Optional[float] = None,
                 gamma1: Optional[float] = None,
                 gamma2: Optional[float] = None,
                 gamma3: Optional[float] = None,
                 ema_config: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 channels_last: bool = False,
                 init_cfg: Optional[dict] = None,
                 vocabulary: Optional[Union[str, Vocabulary]] = None,
                 lambda_damsm_mismatch: Optional[float] = None,
                 eval_noise_seed: Optional[int] = 0,
                 adversarial_loss: Optional[dict] = None,
                 damsm_loss: Optional[dict] = None,
                 damsm_mismatch_loss: Optional[dict] = None,
                 kl_loss: Optional[dict] = None,
                 mode_seeking_loss: Optional[dict] = None) -> None:
        legacy = {name: value for name, value in dict(
            lambda_damsm=lambda_damsm, lambda_damsm_mismatch=lambda_damsm_mismatch,
            gamma1=gamma1, gamma2=gamma2, gamma3=gamma3).items() if value is not None}
        if legacy:
            if damsm_loss is not None or damsm_mismatch_loss is not None:
                raise ValueError('give the DAMSM loss weights either as damsm_loss / '
                                 'damsm_mismatch_loss configs or as the deprecated lambda_damsm '
                                 '/ lambda_damsm_mismatch / gamma1-3, not both')
            warnings.warn(f'DMGAN({", ".join(legacy)}) deprecated: use '
                          "damsm_loss=dict(type='DAMSMGeneratorLoss', loss_weight=λ) and "
                          "damsm_mismatch_loss=dict(type='DAMSMMismatchLoss', loss_weight=λ) "
                          '(docs/networks.md)', DeprecationWarning, stacklevel=2)
            configs = legacy_loss_configs(**legacy)
            damsm_loss, damsm_mismatch_loss = configs['damsm_loss'], configs['damsm_mismatch_loss']
        # The pretrained encoders first: a missing weights file fails before the big nets.
        if image_encoder is None and (damsm_loss is not None or damsm_mismatch_loss is not None):
            raise ValueError('image_encoder is required for the DAMSM losses (damsm_loss or '
                             'damsm_mismatch_loss is set; set them to None for a model without '
                             'an image encoder)')
        text_encoder_module = self._build_encoder(text_encoder, text_encoder_weights,
                                                  'text_encoder', allow_random_encoders)
        image_encoder_module = None if image_encoder is None else self._build_encoder(
            image_encoder, image_encoder_weights, 'image_encoder', allow_random_encoders)
        generator_module = generator if isinstance(generator, nn.Module) else MODELS.build(
            generator)
        self.num_stages = len(generator_module.image_heads)
        self.sizes = [64 * 2**k for k in range(self.num_stages)]
        if data_preprocessor is None:
            data_preprocessor = dict(type='DMGANDataPreprocessor', pyramid_sizes=self.sizes)
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.generator = generator_module
        self.noise_dim = generator_module.noise_dim

        if isinstance(discriminator, dict):
            discriminator = [dict(discriminator, image_size=size) for size in self.sizes]
        if len(discriminator) != self.num_stages:
            raise ValueError(f'{len(discriminator)} discriminator configs for a generator with '
                             f'{self.num_stages} stages')
        self.discriminators = StageDiscriminators([MODELS.build(cfg) for cfg in discriminator])
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self._set_memory_format(self.memory_format)  # before the EMA copies the generator

        self.text_encoder = text_encoder_module
        self.image_encoder = image_encoder_module

        self.adversarial_loss = MODELS.build(adversarial_loss
                                             or dict(type='DMGANAdversarialLoss'))
        self.damsm_loss = None if damsm_loss is None else MODELS.build(damsm_loss)
        self.damsm_mismatch_loss = (None if damsm_mismatch_loss is None
                                    else MODELS.build(damsm_mismatch_loss))
        self.kl_loss = MODELS.build(kl_loss or dict(type='ConditioningKLLoss'))
        self.mode_seeking_loss = (None if mode_seeking_loss is None
                                  else MODELS.build(mode_seeking_loss))
        self.eval_noise_seed = eval_noise_seed
        self.ema_config = ema_config
        self.vocabulary = (Vocabulary.load(vocabulary) if isinstance(vocabulary, str)
                           else vocabulary)
        if ema_config is not None:
            self.generator_ema = MODELS.build(ema_config, default_args=dict(model=self.generator))
            # MMEngine's EMA copies G at its first update; the reference averages from the
            # initial G, so that copy is made now and the first step already averages.
            self.generator_ema.update_parameters(self.generator)

    @staticmethod
    def _build_encoder(cfg: ModelCfg, weights: Optional[str], prefix: str,
                       allow_random: bool) -> nn.Module:
        encoder = cfg if isinstance(cfg, nn.Module) else MODELS.build(cfg)
        if weights is not None:
            load_encoder_weights(encoder, weights, prefix)
        elif not allow_random:
            raise ValueError(
                f'{prefix}_weights is not set: DM-GAN needs the pretrained DAMSM {prefix} '
                f'(train it with configs/damsm_<dataset>.py). Set allow_random_encoders=True '
                'only for tests or when a full DM-GAN checkpoint is loaded afterwards.')
        return encoder.requires_grad_(False).eval()

    def train(self, mode: bool = True) -> 'DMGAN':
        """Set the training mode; the frozen DAMSM encoders always stay in eval mode."""
        super().train(mode)
        self.text_encoder.eval()
        if self.image_encoder is not None:
            self.image_encoder.eval()
        return self

    def _set_memory_format(self, memory_format: torch.memory_format) -> None:
        for module in (self.generator, self.discriminators):
            module.to(memory_format=memory_format)

    def init_weights(self) -> None:
        """Initialise G and the Ds; the pretrained encoders keep their loaded weights."""
        # The initialisers write through .view(), which needs the default memory layout.
        self._set_memory_format(torch.contiguous_format)
        if self.init_cfg:
            super().init_weights()
        else:
            for module in (self.generator, self.discriminators):
                if hasattr(module, 'init_weights'):
                    module.init_weights()
        self._set_memory_format(self.memory_format)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        """Load as :class:`nn.Module` does, but leave out parts a sampling checkpoint lacks.

        A checkpoint with no weight at all of a part only training uses
        (:attr:`TRAINING_ONLY_PARTS`: the exported sampler, the shipped model) keeps that part
        as built, instead of every one of its weights being reported missing (MMagic's
        inferencer and ``load_checkpoint`` print each key). A checkpoint with some but not all
        of a part's weights is still reported, as is a missing generator or EMA.
        """
        kept = []
        for name in self.TRAINING_ONLY_PARTS:
            part, part_prefix = getattr(self, name), f'{prefix}{name}.'
            if part is None or any(key.startswith(part_prefix) for key in state_dict):
                continue
            # Torch and MMEngine load the children from this same dict after this call.
            state_dict.update(part.state_dict(prefix=part_prefix))
            kept.append(name)
        if kept:
            print_log(f'The checkpoint has no {" / ".join(kept)} weights (a sampling checkpoint): '
                      'kept as built.', logger='current', level=logging.INFO)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ------------------------------------------------------------------ text and sampling
    @torch.no_grad()
    def encode_captions(self, caption_ids: Tensor, caption_len: Tensor):
        """Frozen DAMSM text features: words B×D×T, sentence B×D and the padding mask B×T."""
        words, sentence = self.text_encoder(caption_ids, caption_len)
        return words, sentence, padding_mask(caption_len, words.size(2))

    def _sampling_generator(self, sample_model: Optional[str]) -> nn.Module:
        if sample_model is None:
            sample_model = 'ema' if self.ema_config is not None else 'orig'
        if sample_model == 'orig':
            return self.generator
        if sample_model == 'ema':
            if self.ema_config is None:
                raise ValueError("sample_model='ema' but the model has no ema_config")
            return self.generator_ema.module
        raise ValueError(f"sample_model must be 'ema' or 'orig', got {sample_model!r}")

    def infer(self, prompt: Union[str, Sequence[str]], *args, **kwargs) -> Text2ImageOutput:
        """Generate images from text: ``DMGANText2ImagePipeline(self)(prompt, ...)``.

        ``infer(prompt, num_images=1, seed=None, noise=None, return_attention=False,
        output_type='pil', sample_model=None, batch_size=16)`` → :class:`Text2ImageOutput`
        (see :meth:`DMGANText2ImagePipeline.__call__`). Prompts only: token ids go to
        :meth:`generate_from_tokens`. Refuses calls whose images would exceed
        :data:`~mmdmgan.models.dmgan.text2image.MAX_INFER_BYTES`; :meth:`iter_infer` streams.
        """
        return DMGANText2ImagePipeline(self)(prompt, *args, **kwargs)

    def iter_infer(self, prompt: Union[str, Sequence[str]], *args,
                   **kwargs) -> Iterator[Text2ImageOutput]:
        """:meth:`infer` batch by batch: yields one :class:`Text2ImageOutput` per
        ``batch_size`` images (:meth:`DMGANText2ImagePipeline.iter_infer`), for any number."""
        return DMGANText2ImagePipeline(self).iter_infer(prompt, *args, **kwargs)

    @torch.no_grad()
    def generate_from_tokens(self,
                             caption_ids: Tensor,
                             caption_len: Tensor,
                             noise: Optional[Tensor] = None,
                             ca_epsilon: Optional[Tensor] = None,
                             seed: Optional[int] = None,
                             sample_model: Optional[str] = None,
                             return_attention: bool = True) -> GeneratorOutput:
        """Generate images from token ids.

        Args:
            caption_ids (Tensor): B×T token ids (0 = padding).
            caption_len (Tensor): B caption lengths.
            noise (Tensor, optional): B×noise_dim z; drawn when omitted.
            ca_epsilon (Tensor, optional): B×condition_dim CA noise; drawn when omitted.
            seed (int, optional): Row ``i`` draws its ``noise`` and ``ca_epsilon`` from
                ``(seed, i)`` (:meth:`noise_for_indices`): the image ``i`` of ``infer`` with
                this seed. Without a seed one is drawn from the global torch RNG.
            sample_model (str, optional): ``'ema'`` (default when EMA exists) or ``'orig'``.
            return_attention (bool): Also compute the attention maps (else ``attention_maps``
                is empty and ``attention_impl='sdpa'`` uses its fused read). Defaults to True.

        Returns:
            GeneratorOutput: images per stage (B×3×S×S in [-1, 1]), attention maps, μ, log σ².
        """
        check_seed(seed)
        generator = get_valid_model(self._sampling_generator(sample_model))
        words, sentence, mask = self.encode_captions(caption_ids, caption_len)
        device = caption_ids.device
        if noise is None or ca_epsilon is None:
            drawn_noise, drawn_epsilon = self.noise_for_indices(
                range(caption_ids.size(0)), draw_seed() if seed is None else seed)
            noise = drawn_noise if noise is None else noise
            ca_epsilon = drawn_epsilon if ca_epsilon is None else ca_epsilon
        return generator(noise.to(device), sentence, words, mask, ca_epsilon=ca_epsilon.to(device),
                         return_attention=return_attention)

    def forward(self, inputs: dict, data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor') -> Union[Tensor, List[DataSample]]:
        """Sample from the captions of a preprocessed batch.

        Args:
            inputs (dict): ``caption_ids`` and ``caption_len`` (from the data preprocessor),
                optionally ``noise``, ``ca_epsilon``, ``seed`` and ``sample_model``.
            data_samples (list[DataSample], optional): Copied into the outputs.
            mode (str): ``'tensor'`` (the B×3×S×S images of the last stage) or ``'predict'``
                (DataSamples with ``fake_img`` 3×S×S, ``fake_img_<size>`` for the smaller
                stages, ``attention_maps`` (per refinement stage, len×h×w), the inputs'
                fields (``prompt``, ``gt_img``, ``class_id`` ...) and, when the model has an
                image encoder, the DAMSM ``image_feature`` of ``fake_img`` and
                ``sentence_feature`` of the caption (D each), for R-precision).
        """
        if mode == 'loss':
            raise ValueError("DMGAN computes its losses in train_step; use mode='tensor' or "
                             "'predict'")
        if mode not in ('tensor', 'predict'):
            raise ValueError(f"mode must be 'tensor' or 'predict', got {mode!r}")
        if 'caption_ids' not in inputs:
            raise ValueError('DMGAN samples from token ids: the batch has no caption_ids '
                             '(encode prompts with the dataset vocabulary first)')
        output = self.generate_from_tokens(
            inputs['caption_ids'], inputs['caption_len'], noise=inputs.get('noise'),
            ca_epsilon=inputs.get('ca_epsilon'), seed=inputs.get('seed'),
            sample_model=inputs.get('sample_model'))
        if mode == 'tensor':
            return output.images[-1]
        results = self.pack_outputs(output, inputs['caption_len'], data_samples)
        if self.image_encoder is not None:
            image_features, sentence_features = self.damsm_features(
                output.images[-1], inputs['caption_ids'], inputs['caption_len'])
            for result, image_feature, sentence_feature in zip(results, image_features,
                                                               sentence_features):
                result.image_feature = image_feature
                result.sentence_feature = sentence_feature
        return results

    @torch.no_grad()
    def damsm_features(self, images: Tensor, caption_ids: Tensor,
                       caption_len: Tensor) -> Tuple[Tensor, Tensor]:
        """Global DAMSM features of generated images and of their captions (R-precision).

        Args:
            images (Tensor): B×3×S×S generated images in [-1, 1] (the last stage).
            caption_ids (Tensor): B×T token ids.
            caption_len (Tensor): B caption lengths.

        Returns:
            tuple[Tensor, Tensor]: image codes B×D and sentence features B×D.
        """
        if self.image_encoder is None:
            raise ValueError('damsm_features needs an image_encoder in the model config')
        _, image_code = self.image_encoder(images)
        _, sentence = self.text_encoder(caption_ids, caption_len)
        return image_code, sentence

    def pack_outputs(self, output: GeneratorOutput, caption_len: Tensor,
                     data_samples: Optional[List[DataSample]]) -> List[DataSample]:
        """One DataSample per caption with the generated images and attention maps."""
        batch_size = output.images[-1].size(0)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(batch_size)]
        results = []
        for i, (sample, length) in enumerate(zip(data_samples, caption_len.tolist())):
            result = sample.clone()
            result.fake_img = output.images[-1][i]
            for size, images in zip(self.sizes[:-1], output.images[:-1]):
                result.set_field(images[i], f'fake_img_{size}')
            result.attention_maps = [maps[i, :length] for maps in output.attention_maps]
            results.append(result)
        return results

    def val_step(self, data: dict) -> List[DataSample]:
        """Preprocess and sample (``predict`` mode), with per-sample noise (``eval_noise_seed``)."""
        data = self.data_preprocessor(data, False)
        if self.eval_noise_seed is not None and 'noise' not in data['inputs']:
            indices = [sample.metainfo.get('sample_idx')
                       for sample in data.get('data_samples') or []]
            if not indices or None in indices:
                raise ValueError(
                    'eval_noise_seed draws each sample\'s noise from its sample_idx, but a data '
                    'sample has no sample_idx in its metainfo (keep it in PackCaptionInputs\' '
                    'meta_keys), or set the model\'s eval_noise_seed=None for noise from the '
                    'global RNG')
            noise, ca_epsilon = self.noise_for_indices(indices, self.eval_noise_seed)
            data['inputs'].update(noise=noise, ca_epsilon=ca_epsilon)
        return self(**data, mode='predict')

    def noise_for_indices(self, indices: Sequence[int], seed: int) -> Tuple[Tensor, Tensor]:
        """z B×noise_dim and CA ε B×condition_dim of each sample from ``(seed, index)`` alone
        (:func:`indexed_noise`): the same for any batching, process count or interruption."""
        condition_dim = get_valid_model(self.generator).conditioning_augmentation.condition_dim
        return indexed_noise(indices, seed, self.noise_dim, condition_dim)

    test_step = val_step

    # ------------------------------------------------------------------ training
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One DM-GAN iteration: every D once, then G once, then the EMA.

        L_{D_k} = ½(BCE(D_k(x), 1) + BCE(D_k(x, s), 1))
                + ⅓(BCE(D_k(x̂), 0) + BCE(D_k(x̂, s), 0) + BCE(D_k(x, s_wrong), 0))
        L_G = Σ_k [BCE(D_k(x̂_k), 1) + BCE(D_k(x̂_k, s), 1)] + λ·L_DAMSM(x̂_K, words, s)
              + KL(N(μ, σ²) || N(0, I))
              [+ λ_mismatch·softplus(γ3·(cos(c(x̂_K), s_wrong) − cos(c(x̂_K), s))), off by
              default] [+ λ_ms / (mean|x̂_K(z₁) − x̂_K(z₂)| / mean|z₁ − z₂| + ε), off by default]

        Args:
            data (dict): A collated batch (images and captions).
            optim_wrapper (OptimWrapperDict): ``generator`` and ``discriminators``.

        Returns:
            dict[str, Tensor]: Every loss term, detached (D per stage and term, G adversarial
            per stage, DAMSM words and sentence, KL).
        """
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        if 'imgs' not in inputs or len(inputs['imgs']) != self.num_stages:
            raise ValueError(f'training needs {self.num_stages} real image scales '
                             f'{self.sizes}; check the data preprocessor pyramid_sizes')
        real_imgs = inputs['imgs']
        caption_len = inputs['caption_len']
        # One text-encoder pass for the captions and the mismatched ones (frozen, eval mode:
        # the same features as two passes, one host sync for the packed lengths instead of two).
        batch_size = caption_len.size(0)
        words, sentences, mask = self.encode_captions(
            torch.cat([inputs['caption_ids'], inputs['wrong_caption_ids']]),
            torch.cat([caption_len, inputs['wrong_caption_len']]))
        words, mask = words[:batch_size], mask[:batch_size]
        sentence, wrong_sentence = sentences[:batch_size], sentences[batch_size:]
        # Second samples of the first captions for the mode-seeking term, in the same
        # generator call (one forward per backward, as DDP needs).
        num_pairs = (0 if self.mode_seeking_loss is None
                     else min(self.mode_seeking_loss.num_pairs, batch_size))
        noise = torch.randn(batch_size + num_pairs, self.noise_dim, device=sentence.device)
        g_wrapper, d_wrapper = optim_wrapper['generator'], optim_wrapper['discriminators']
        with g_wrapper.optim_context(self.generator):
            output = self.generator(noise, *(torch.cat([text, text[:num_pairs]])
                                             for text in (sentence, words, mask)),
                                    return_attention=False)
        second_images = output.images[-1][batch_size:]
        output = output._replace(images=[images[:batch_size] for images in output.images],
                                 mu=output.mu[:batch_size], logvar=output.logvar[:batch_size])

        log_vars = self._discriminator_step(real_imgs, output.images, sentence, wrong_sentence,
                                            d_wrapper)
        # Frozen Ds during the G step: G-loss gradients must not accumulate in their .grad
        # (they would leak into the next D update, and a resumed run would diverge).
        self.discriminators.requires_grad_(False)
        try:
            with g_wrapper.optim_context(self.generator):
                g_losses = self._generator_losses(output, words, sentence, wrong_sentence,
                                                  caption_len, inputs.get('class_id'))
                if num_pairs:
                    g_losses['loss_mode_seeking'] = self.mode_seeking_loss(
                        output.images[-1][:num_pairs], second_images, noise[:num_pairs],
                        noise[batch_size:])
            g_wrapper.update_params(sum(g_losses.values()))
        finally:
            self.discriminators.requires_grad_(True)
        log_vars.update({name: value.detach() for name, value in g_losses.items()})
        if self.ema_config is not None:
            self.generator_ema.update_parameters(get_valid_model(self.generator))
        return log_vars

    def _discriminator_step(self, real_imgs: List[Tensor], fake_imgs: List[Tensor],
                            sentence: Tensor, wrong_sentence: Tensor,
                            d_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        batch_size = sentence.size(0)
        log_vars = {}
        with d_wrapper.optim_context(self.discriminators):
            # Real and fake in one batch per D (no BatchNorm in D, so this equals two calls).
            images = [torch.cat([real, fake.detach().to(real.dtype)])
                      for real, fake in zip(real_imgs, fake_imgs)]
            logits = self.discriminators(images, torch.cat([sentence, sentence]),
                                         wrong_sentence)
            total = 0
            for k, stage in enumerate(logits):
                loss, terms = self.adversarial_loss.discriminator_loss(stage, batch_size)
                total = total + loss
                log_vars[f'loss_d{k}'] = loss.detach()
                log_vars.update({f'loss_d{k}_{name}': v.detach() for name, v in terms.items()})
        d_wrapper.update_params(total)
        return log_vars

    def _generator_losses(self, output: GeneratorOutput, words: Tensor, sentence: Tensor,
                          wrong_sentence: Tensor, caption_len: Tensor,
                          class_id: Optional[Tensor]) -> Dict[str, Tensor]:
        losses = {}
        logits = self.discriminators(output.images, sentence)
        for k, stage in enumerate(logits):
            losses[f'loss_g_adv{k}'] = self.adversarial_loss.generator_loss(stage)
        if self.damsm_loss is not None or self.damsm_mismatch_loss is not None:
            regions, code = self.image_encoder(output.images[-1])
            if self.damsm_loss is not None:
                losses.update(self.damsm_loss(regions, code, words, sentence, caption_len,
                                              class_id))
            if self.damsm_mismatch_loss is not None:
                losses['loss_damsm_mismatch'] = self.damsm_mismatch_loss(code, sentence,
                                                                         wrong_sentence)
        losses['loss_kl'] = self.kl_loss(output.mu, output.logvar)
        return losses
