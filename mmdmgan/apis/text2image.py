"""Text-to-image sampling from captions: tokenise, draw noise, generate, decode.

:class:`DMGANText2ImagePipeline` splits :meth:`DMGAN.infer` into small stages that a
subclass may override one at a time (``encode_text`` → ``sample_noise`` → ``generate`` →
``decode``), in the manner of diffusers pipelines. Inputs are checked once, in
:meth:`DMGANText2ImagePipeline.__call__`; the stages trust them.
"""
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from mmdmgan.datasets.vocabulary import Vocabulary, tokenize
from mmdmgan.utils import to_uint8

OUTPUT_TYPES = ('pil', 'uint8', 'tensor')
#: One stage's images: PIL images, an N×S×S×3 uint8 array or an N×3×S×S tensor in [-1, 1].
StageImages = Union[List[Image.Image], np.ndarray, Tensor]


@dataclass
class EncodedText:
    """Token ids of a batch of captions, with the words that were kept.

    Attributes:
        caption_ids (Tensor): N×T token ids, 0 at padding.
        caption_len (Tensor): N caption lengths (≥ 1).
        words (list[list[str]]): The known words of each caption, in order.
    """
    caption_ids: Tensor
    caption_len: Tensor
    words: List[List[str]]


@dataclass
class Text2ImageOutput:
    """What :meth:`DMGAN.infer` returns for N = len(prompts) · num_images images.

    Images are ordered prompt-major: all images of the first prompt, then the second's, ...

    Attributes:
        images (list): One entry per stage (64, 128, 256 px, ascending): a list of N PIL
            images (``output_type='pil'``), an N×S×S×3 uint8 array (``'uint8'``) or an
            N×3×S×S float tensor in [-1, 1] (``'tensor'``).
        sizes (list[int]): The side of each stage's images.
        prompts (list[str]): The prompt of each image (N entries).
        words (list[list[str]]): The vocabulary words each image was conditioned on.
        attention_maps (list[list[Tensor]], optional): With ``return_attention=True``:
            ``attention_maps[i][k]`` is the L_i×h×w word attention (float, CPU) of image ``i``
            in refinement stage ``k`` (h = the side of stage k's input features, i.e. 64, 128),
            one map per word of ``words[i]``; at each pixel the maps sum to one.
    """
    images: List[StageImages]
    sizes: List[int]
    prompts: List[str]
    words: List[List[str]]
    attention_maps: Optional[List[List[Tensor]]] = field(default=None)

    def __getitem__(self, key: str) -> StageImages:
        """``output['samples']``: the final images (what MMagic's inferencers read)."""
        if key != 'samples':
            raise KeyError(f"Text2ImageOutput supports only ['samples'], got {key!r}; use the "
                           'attributes images / words / attention_maps')
        return self.images[-1]


class DMGANText2ImagePipeline:
    """Captions → images (and word attention) with a DM-GAN model.

    Args:
        model (nn.Module): A :class:`DMGAN` (anything with ``vocabulary``, ``noise_dim``,
            ``sizes``, ``generate_from_tokens`` and a generator with
            ``conditioning_augmentation.condition_dim``).
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    # ------------------------------------------------------------------ input checks
    def check_inputs(self, prompt: Union[str, Sequence[str]], num_images: int,
                     noise: Optional[Tensor], output_type: str, batch_size: int,
                     height: Optional[int], width: Optional[int]) -> List[str]:
        """Validate the arguments of :meth:`__call__`; return the prompts as a list."""
        if getattr(self.model, 'vocabulary', None) is None:
            raise ValueError(
                'the model has no vocabulary to tokenise prompts: build it with '
                'mmdmgan.apis.init_model (it finds vocab.json beside the checkpoint or in its '
                'meta), set model.vocabulary = Vocabulary.load(path), or pass token ids to '
                'generate_from_tokens')
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        if not prompts or not all(isinstance(text, str) for text in prompts):
            raise TypeError(f'prompt must be a string or a non-empty list of strings, '
                            f'got {prompt!r}')
        for name, value in (('num_images', num_images), ('batch_size', batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive integer, got {value!r}')
        if output_type not in OUTPUT_TYPES:
            raise ValueError(f'output_type must be one of {OUTPUT_TYPES}, got {output_type!r}')
        final_size = self.model.sizes[-1]
        for name, value in (('height', height), ('width', width)):
            if value is not None and value != final_size:
                raise ValueError(f'this model generates {final_size}×{final_size} images; '
                                 f'{name}={value} is not supported (leave it None)')
        expected = (len(prompts) * num_images, self.model.noise_dim)
        if noise is not None and tuple(noise.shape) != expected:
            raise ValueError(f'noise must have shape (len(prompts) * num_images, noise_dim) = '
                             f'{expected}, got {tuple(noise.shape)}')
        return prompts

    # ------------------------------------------------------------------ stages
    def encode_text(self, prompts: Sequence[str]) -> EncodedText:
        """Tokenise with the model's vocabulary; unknown words are dropped with a warning.

        Raises:
            ValueError: A prompt without any vocabulary word.
        """
        vocabulary: Vocabulary = self.model.vocabulary
        all_ids, words = [], []
        for text in prompts:
            tokens = tokenize(text)
            ids, unknown = vocabulary.tokens_to_ids(tokens)
            if not ids:
                raise ValueError(
                    f'prompt {text!r} has no word of the model vocabulary '
                    f'({len(vocabulary)} words, e.g. {vocabulary.decode(range(1, 9))!r})')
            if unknown:
                warnings.warn(f'prompt {text!r}: words not in the model vocabulary were '
                              f'dropped: {unknown}', stacklevel=4)
            all_ids.append(ids)
            words.append([vocabulary.ixtoword[index] for index in ids])
        caption_len = torch.tensor([len(ids) for ids in all_ids])
        caption_ids = torch.zeros(len(all_ids), int(caption_len.max()), dtype=torch.long)
        for row, ids in enumerate(all_ids):
            caption_ids[row, :len(ids)] = torch.tensor(ids)
        return EncodedText(caption_ids, caption_len, words)

    def sample_noise(self, num: int, seed: Optional[int],
                     noise: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Draw z (N×noise_dim) and the CA ε (N×condition_dim) on the CPU.

        Image ``i`` takes the ``i``-th (z, ε) pair of the seeded stream, so its draws depend
        only on the seed and ``i``: not on the device, the batch size or the other prompts.
        Without a seed the global CPU generator is used.
        """
        rng = None if seed is None else torch.Generator().manual_seed(seed)
        condition_dim = self.model.generator.conditioning_augmentation.condition_dim
        draws_z, draws_epsilon = [], []
        for _ in range(num):
            if noise is None:
                draws_z.append(torch.randn(1, self.model.noise_dim, generator=rng))
            draws_epsilon.append(torch.randn(1, condition_dim, generator=rng))
        return (torch.cat(draws_z) if noise is None else noise), torch.cat(draws_epsilon)

    def generate(self, text: EncodedText, noise: Tensor, ca_epsilon: Tensor,
                 sample_model: Optional[str], batch_size: int,
                 return_attention: bool) -> Tuple[List[Tensor], Optional[List[List[Tensor]]]]:
        """Run the generator in batches; images stay on the model's device.

        Returns:
            tuple: per-stage N×3×S×S images in [-1, 1]; per image, per refinement stage the
            L×h×w attention maps (CPU) when ``return_attention``, else ``None``.
        """
        device = self.device
        stage_images: List[List[Tensor]] = []
        attention: Optional[List[List[Tensor]]] = [] if return_attention else None
        for start in range(0, noise.size(0), batch_size):
            rows = slice(start, start + batch_size)
            output = self.model.generate_from_tokens(
                text.caption_ids[rows].to(device), text.caption_len[rows].to(device),
                noise=noise[rows].to(device), ca_epsilon=ca_epsilon[rows].to(device),
                sample_model=sample_model)
            stage_images.append(output.images)
            if attention is not None:
                lengths = text.caption_len[rows].tolist()
                maps = [stage_maps.float().cpu() for stage_maps in output.attention_maps]
                attention.extend([stage_maps[i, :length] for stage_maps in maps]
                                 for i, length in enumerate(lengths))
        images = [torch.cat(per_stage) for per_stage in zip(*stage_images)]
        return images, attention

    def decode(self, images: Tensor, output_type: str) -> StageImages:
        """One stage's N×3×S×S images in [-1, 1] → the requested output type."""
        if output_type == 'tensor':
            return images
        array = to_uint8(images)
        if output_type == 'uint8':
            return array
        return [Image.fromarray(image) for image in array]

    # ------------------------------------------------------------------ the whole call
    @torch.no_grad()
    def __call__(self,
                 prompt: Union[str, Sequence[str]],
                 num_images: int = 1,
                 seed: Optional[int] = None,
                 noise: Optional[Tensor] = None,
                 return_attention: bool = False,
                 output_type: str = 'pil',
                 sample_model: Optional[str] = None,
                 batch_size: int = 16,
                 height: Optional[int] = None,
                 width: Optional[int] = None) -> Text2ImageOutput:
        """Generate ``num_images`` images for each prompt.

        Args:
            prompt (str | list[str]): One caption or several.
            num_images (int): Images per prompt.
            seed (int, optional): Fixes z and the CA ε: the same seed gives the same images
                (for any ``batch_size``; on one device).
            noise (Tensor, optional): (len(prompts)·num_images)×noise_dim z, prompt-major.
            return_attention (bool): Also return the per-word attention maps.
            output_type (str): ``'pil'``, ``'uint8'`` or ``'tensor'`` (see
                :class:`Text2ImageOutput`).
            sample_model (str, optional): ``'ema'`` or ``'orig'`` generator (default: EMA when
                the model has one).
            batch_size (int): Images per generator forward pass.
            height, width (int, optional): Accepted for MMagic's ``Text2ImageInferencer``;
                must be ``None`` or the model's output size.

        Returns:
            Text2ImageOutput: images of every stage, prompts, words, attention maps.
        """
        prompts = self.check_inputs(prompt, num_images, noise, output_type, batch_size,
                                    height, width)
        text = self.encode_text(prompts)  # each prompt once: one warning per prompt
        text = EncodedText(text.caption_ids.repeat_interleave(num_images, 0),
                           text.caption_len.repeat_interleave(num_images, 0),
                           [words for words in text.words for _ in range(num_images)])
        prompts = [caption for caption in prompts for _ in range(num_images)]
        noise, ca_epsilon = self.sample_noise(len(prompts), seed, noise)
        images, attention = self.generate(text, noise, ca_epsilon, sample_model, batch_size,
                                          return_attention)
        return Text2ImageOutput(
            images=[self.decode(stage, output_type) for stage in images],
            sizes=[stage.size(-1) for stage in images], prompts=prompts, words=text.words,
            attention_maps=attention)

