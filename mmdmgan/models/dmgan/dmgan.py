"""DM-GAN as an MMEngine model: the training step, EMA sampling and inference outputs."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import Tensor, nn

from mmdmgan.apis.text2image import DMGANText2ImagePipeline, Text2ImageOutput
from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.engine.checkpoint_loading import strip_wrapper_prefixes
from mmdmgan.models.damsm.losses import mismatch_sentence_loss, sentence_loss, words_loss
from mmdmgan.models.damsm.text_encoder import padding_mask
from mmdmgan.models.utils.original_checkpoint import convert_image_encoder, convert_text_encoder
from mmdmgan.registry import MODELS
from mmdmgan.structures import DataSample

from .generator import GeneratorOutput
from .indexed_noise import indexed_noise

ModelCfg = Union[dict, nn.Module]
ENCODER_CONVERTERS = {'text_encoder': convert_text_encoder, 'image_encoder': convert_image_encoder}


def get_valid_model(module: nn.Module) -> nn.Module:
    """The module itself, or the module inside a (DDP) model wrapper."""
    return module.module if is_model_wrapper(module) else module


def load_encoder_weights(encoder: nn.Module, path: str, prefix: str) -> None:
    """Load frozen DAMSM encoder weights from a local file into ``encoder`` (strictly).

    Accepts an MMEngine checkpoint (``state_dict`` with keys ``<prefix>.*``, as written by the
    DAMSM and DM-GAN trainings or ``tools/convert_original_ckpt.py``), a plain state dict of
    ``encoder``, or the original AttnGAN/DM-GAN release file (``text_encoder*.pth`` /
    ``image_encoder*.pth``), which is converted on the fly.

    Args:
        encoder (nn.Module): ``DAMSMTextEncoder`` or ``DAMSMImageEncoder``.
        path (str): Local weights file.
        prefix (str): ``'text_encoder'`` or ``'image_encoder'``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{prefix} weights not found at {path!r}: train DAMSM first '
            f'(python tools/train.py configs/damsm_<dataset>.py) and point the config variable '
            f'for the {prefix} weights at its checkpoint, or convert the original release file '
            f'(tools/convert_original_ckpt.py).')
    state_dict = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(state_dict, dict) and isinstance(state_dict.get('state_dict'), dict):
        state_dict = state_dict['state_dict']
    state_dict = strip_wrapper_prefixes(state_dict)  # a multi-process DAMSM run's checkpoint
    prefixed = {key[len(prefix) + 1:]: value for key, value in state_dict.items()
                if key.startswith(prefix + '.')}
    if prefixed:
        state_dict = prefixed
    elif not set(encoder.state_dict()) <= set(state_dict):
        # Neither ours nor prefixed: the original release layout (or an error naming the key).
        state_dict, _ = ENCODER_CONVERTERS[prefix](state_dict, source=path)
    try:
        encoder.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise RuntimeError(f'{path}: the weights do not fit the configured {prefix} '
                           f'(check vocab_size / embedding_dim in the config): {error}') from None


class StageDiscriminators(nn.ModuleList):
    """The discriminators D_0..D_{K-1} (64, 128, 256), evaluated in one call.

    One ``forward`` runs every stage so that a DDP wrapper around the whole list sees all
    discriminator computation inside its forward (gradients are then synchronised for
    every D). Checkpoint keys stay ``discriminators.<k>.*``.
    """

    def forward(self, images: Sequence[Tensor], sentence: Tensor,
                wrong_sentence: Optional[Tensor] = None) -> List[Dict[str, Tensor]]:
        """Logits of every stage.

        Args:
            images (Sequence[Tensor]): One N×3×S×S batch per stage (ascending S).
            sentence (Tensor): N×D sentence features paired with the images.
            wrong_sentence (Tensor, optional): M×D mismatched sentences for the first M images.

        Returns:
            list[dict]: Per stage raw logits ``uncond`` (N), ``cond`` (N) and, with
            ``wrong_sentence``, ``cond_wrong`` (M).
        """
        if len(images) != len(self):
            raise ValueError(f'expected {len(self)} image scales, got {len(images)}')
        outputs = []
        for discriminator, img in zip(self, images):
            features = discriminator(img)
            logits = dict(uncond=discriminator.logits(features),
                          cond=discriminator.logits(features, sentence))
            if wrong_sentence is not None:
                logits['cond_wrong'] = discriminator.logits(features[:len(wrong_sentence)],
                                                            wrong_sentence)
            outputs.append(logits)
        return outputs


def bce_logits(logits: Tensor, target: float) -> Tensor:
    """Mean BCE-with-logits against a constant label, in fp32 (AMP-safe)."""
    logits = logits.float()
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def kl_loss(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) || N(0, I)) of the conditioning augmentation, averaged over all entries."""
    mu, logvar = mu.float(), logvar.float()
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())


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
            interface: B×3×H×W in [-1, 1] → regions B×D×h×w, code B×D). ``None`` only with
            ``lambda_damsm=0``.
        text_encoder_weights (str, optional): Local file with the DAMSM text encoder weights
            (see :func:`load_encoder_weights` for the accepted formats).
        image_encoder_weights (str, optional): Same for the image encoder.
        allow_random_encoders (bool): Keep randomly initialised encoders when no weights file
            is given (tests, or weights loaded afterwards from a full checkpoint).
        lambda_damsm (float): λ of the DAMSM loss (5 CUB, 50 COCO).
        gamma1, gamma2, gamma3 (float): DAMSM smoothing factors (4, 5, 10).
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
        lambda_damsm_mismatch (float): λ of an extra generator term, not in the paper: the
            final image must match its caption better than the mismatched caption of the
            discriminator loss (:func:`~mmdmgan.models.damsm.losses.mismatch_sentence_loss`),
            useful when those differ in one word. Defaults to 0 (off, the paper's loss).
        eval_noise_seed (int, optional): ``val_step`` / ``test_step`` draw the noise of each
            sample from ``(eval_noise_seed, sample_idx)`` (:func:`indexed_noise`), so metrics
            do not depend on the batch size or the number of processes and repeat exactly.
            ``None`` draws from the global RNG. Defaults to 0.
    """

    def __init__(self,
                 generator: ModelCfg,
                 discriminator: Union[dict, List[dict]],
                 text_encoder: ModelCfg,
                 image_encoder: Optional[ModelCfg] = None,
                 text_encoder_weights: Optional[str] = None,
                 image_encoder_weights: Optional[str] = None,
                 allow_random_encoders: bool = False,
                 lambda_damsm: float = 5.0,
                 gamma1: float = 4.0,
                 gamma2: float = 5.0,
                 gamma3: float = 10.0,
                 ema_config: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 channels_last: bool = False,
                 init_cfg: Optional[dict] = None,
                 vocabulary: Optional[Union[str, Vocabulary]] = None,
                 lambda_damsm_mismatch: float = 0.0,
                 eval_noise_seed: Optional[int] = 0) -> None:
        # The pretrained encoders first: a missing weights file fails before the big nets.
        if image_encoder is None and (lambda_damsm != 0 or lambda_damsm_mismatch != 0):
            raise ValueError('image_encoder is required for the DAMSM losses (lambda_damsm or '
                             'lambda_damsm_mismatch != 0)')
        if lambda_damsm_mismatch < 0:
            raise ValueError(f'lambda_damsm_mismatch must be >= 0, got {lambda_damsm_mismatch}')
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

        self.lambda_damsm = lambda_damsm
        self.lambda_damsm_mismatch = lambda_damsm_mismatch
        self.gammas = dict(gamma1=gamma1, gamma2=gamma2, gamma3=gamma3)
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

    def infer(self, prompt: Union[str, Sequence[str], Tensor], *args,
              **kwargs) -> Union[Text2ImageOutput, GeneratorOutput]:
        """Generate images from text: ``DMGANText2ImagePipeline(self)(prompt, ...)``.

        ``infer(prompt, num_images=1, seed=None, noise=None, return_attention=False,
        output_type='pil', sample_model=None, batch_size=16)`` → :class:`Text2ImageOutput`
        (see :meth:`DMGANText2ImagePipeline.__call__`). A token-id tensor as first argument
        keeps the token-level form ``infer(caption_ids, caption_len, ...)`` →
        :class:`GeneratorOutput`, i.e. :meth:`generate_from_tokens`.
        """
        if isinstance(prompt, Tensor):
            return self.generate_from_tokens(prompt, *args, **kwargs)
        return DMGANText2ImagePipeline(self)(prompt, *args, **kwargs)

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
            seed (int, optional): Seed of the draws of ``noise`` and ``ca_epsilon`` (the global
                RNG is used when omitted), for reproducible samples.
            sample_model (str, optional): ``'ema'`` (default when EMA exists) or ``'orig'``.
            return_attention (bool): Also compute the attention maps (else ``attention_maps``
                is empty and ``attention_impl='sdpa'`` uses its fused read). Defaults to True.

        Returns:
            GeneratorOutput: images per stage (B×3×S×S in [-1, 1]), attention maps, μ, log σ².
        """
        generator = get_valid_model(self._sampling_generator(sample_model))
        words, sentence, mask = self.encode_captions(caption_ids, caption_len)
        batch_size, device = caption_ids.size(0), caption_ids.device
        rng = None if seed is None else torch.Generator(device=device).manual_seed(seed)
        if noise is None:
            noise = torch.randn(batch_size, self.noise_dim, device=device, generator=rng)
        if ca_epsilon is None:
            condition_dim = generator.conditioning_augmentation.condition_dim
            ca_epsilon = torch.randn(batch_size, condition_dim, device=device, generator=rng)
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
              default]

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
        noise = torch.randn(sentence.size(0), self.noise_dim, device=sentence.device)
        g_wrapper, d_wrapper = optim_wrapper['generator'], optim_wrapper['discriminators']
        with g_wrapper.optim_context(self.generator):
            output = self.generator(noise, sentence, words, mask, return_attention=False)

        log_vars = self._discriminator_step(real_imgs, output.images, sentence, wrong_sentence,
                                            d_wrapper)
        # Frozen Ds during the G step: G-loss gradients must not accumulate in their .grad
        # (they would leak into the next D update, and a resumed run would diverge).
        self.discriminators.requires_grad_(False)
        try:
            with g_wrapper.optim_context(self.generator):
                g_losses = self._generator_losses(output, words, sentence, wrong_sentence,
                                                  caption_len, inputs.get('class_id'))
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
                terms = dict(real=bce_logits(stage['uncond'][:batch_size], 1.0),
                             cond_real=bce_logits(stage['cond'][:batch_size], 1.0),
                             fake=bce_logits(stage['uncond'][batch_size:], 0.0),
                             cond_fake=bce_logits(stage['cond'][batch_size:], 0.0),
                             cond_wrong=bce_logits(stage['cond_wrong'], 0.0))
                loss = ((terms['real'] + terms['cond_real']) / 2 +
                        (terms['fake'] + terms['cond_fake'] + terms['cond_wrong']) / 3)
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
            losses[f'loss_g_adv{k}'] = bce_logits(stage['uncond'], 1.0) + bce_logits(
                stage['cond'], 1.0)
        if self.lambda_damsm or self.lambda_damsm_mismatch:
            regions, code = self.image_encoder(output.images[-1])
            # Softmaxes and cross-entropies of DAMSM in fp32 even under autocast.
            with torch.autocast(regions.device.type, enabled=False):
                regions, code, sentence = regions.float(), code.float(), sentence.float()
                if self.lambda_damsm:
                    # Batched (no maps): no host sync and no per-caption loop in the step.
                    loss_i2c, loss_c2i, _ = words_loss(regions, words.float(), caption_len,
                                                       class_id, **self.gammas,
                                                       return_attention=False)
                    sent_i2c, sent_c2i = sentence_loss(code, sentence, class_id,
                                                       self.gammas['gamma3'])
                    losses['loss_damsm_words'] = self.lambda_damsm * (loss_i2c + loss_c2i)
                    losses['loss_damsm_sentence'] = self.lambda_damsm * (sent_i2c + sent_c2i)
                if self.lambda_damsm_mismatch:
                    losses['loss_damsm_mismatch'] = (
                        self.lambda_damsm_mismatch * mismatch_sentence_loss(
                            code, sentence, wrong_sentence.float(), self.gammas['gamma3']))
        losses['loss_kl'] = kl_loss(output.mu, output.logvar)
        return losses
