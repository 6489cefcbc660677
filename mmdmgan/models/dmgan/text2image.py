"""Text-to-image sampling from captions: tokenise, draw noise, generate, decode.

:class:`DMGANText2ImagePipeline` splits :meth:`DMGAN.infer` into small stages that a
subclass may override one at a time (``encode_text`` → ``sample_noise`` → ``generate`` →
``decode``), in the manner of diffusers pipelines. Inputs are checked once, in
:meth:`DMGANText2ImagePipeline.check_inputs`; the stages trust them.
"""
import warnings
from dataclasses import dataclass, field
from typing import Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from mmdmgan.datasets.vocabulary import Vocabulary, dropped_by_tokenize, tokenize
from mmdmgan.utils import to_uint8

from .indexed_noise import check_seed, draw_seed

OUTPUT_TYPES = ('pil', 'uint8', 'tensor')
#: One stage's images: PIL images, an N×S×S×3 uint8 array or an N×3×S×S tensor in [-1, 1].
StageImages = Union[List[Image.Image], np.ndarray, Tensor]
#: Captions longer than this are cut when neither the model nor its config names a limit:
#: the reference's TEXT.WORDS_NUM (CUB).
DEFAULT_MAX_WORDS = 18
#: Most bytes of images (float32, every stage) and attention maps that one ``infer`` call
#: may hold; larger requests go through :meth:`DMGANText2ImagePipeline.iter_infer`.
MAX_INFER_BYTES = 2**30


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
    """What :meth:`DMGAN.infer` returns for N = len(prompts) · num_images images (and what
    :meth:`DMGAN.iter_infer` yields per batch).

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
        indices (list[int]): The index of each image in its call (prompt-major), which with
            ``seed`` fixes its noise (:func:`~mmdmgan.models.dmgan.indexed_noise`).
        seed (int, optional): The seed of the noise; drawn from the global torch RNG when the
            call gave none, so that any image can be made again.
    """
    images: List[StageImages]
    sizes: List[int]
    prompts: List[str]
    words: List[List[str]]
    attention_maps: Optional[List[List[Tensor]]] = field(default=None)
    indices: List[int] = field(default_factory=list)
    seed: Optional[int] = None

    def __getitem__(self, key: str) -> StageImages:
        """``output['samples']``: the final images (what MMagic's inferencers read)."""
        if key != 'samples':
            raise KeyError(f"Text2ImageOutput supports only ['samples'], got {key!r}; use the "
                           'attributes images / words / attention_maps')
        return self.images[-1]


def caption_word_limit(cfg: Optional[Mapping]) -> Optional[int]:
    """The longest caption (in words) a model was trained on, read from its config.

    The config's top-level ``words_num`` (as every dataset config in ``configs/_base_/``
    defines it), else the ``words_num`` of a ``SampleCaption`` step in its test, val or
    train dataloader. ``None`` when the config names none.
    """
    if cfg is None:
        return None
    if isinstance(cfg.get('words_num'), int):
        return cfg['words_num']

    def search(node) -> Optional[int]:
        if isinstance(node, Mapping):
            if node.get('type') == 'SampleCaption' and isinstance(node.get('words_num'), int):
                return node['words_num']
            node = list(node.values())
        if isinstance(node, (list, tuple)):
            for child in node:
                found = search(child)
                if found is not None:
                    return found
        return None

    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        found = search(cfg.get(loader))
        if found is not None:
            return found
    return None


class DMGANText2ImagePipeline:
    """Captions → images (and word attention) with a DM-GAN model.

    Image ``i`` of a call (prompt-major) with seed ``s`` gets the noise
    ``model.noise_for_indices([i], s)``: the same image for any batch size and through every
    entry point (``infer``, ``iter_infer``, ``generate_from_tokens(seed=s)``, the training
    visualisation, ``val_step`` / ``tools/test.py`` with ``eval_noise_seed=s`` and
    ``tools/generate.py --seed s``).

    Args:
        model (nn.Module): A :class:`DMGAN` (anything with ``vocabulary``, ``noise_dim``,
            ``sizes``, ``noise_for_indices`` and ``generate_from_tokens``).
        max_words (int, optional): Longest caption, in vocabulary words; longer ones are cut
            with a warning. Defaults to the model's ``max_words`` attribute, else the
            ``words_num`` of its config (``model.cfg``, set by ``init_model``; see
            :func:`caption_word_limit`), else :data:`DEFAULT_MAX_WORDS`.
        max_bytes (int): Most bytes one :meth:`__call__` may hold (:data:`MAX_INFER_BYTES`).
    """

    def __init__(self, model: nn.Module, max_words: Optional[int] = None,
                 max_bytes: int = MAX_INFER_BYTES) -> None:
        self.model = model
        if max_words is None:
            max_words = (getattr(model, 'max_words', None)
                         or caption_word_limit(getattr(model, 'cfg', None)) or DEFAULT_MAX_WORDS)
        if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1:
            raise ValueError(f'max_words must be a positive integer, got {max_words!r}')
        self.max_words = max_words
        self.max_bytes = max_bytes

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    # ------------------------------------------------------------------ input checks
    def check_inputs(self, prompt: Union[str, Sequence[str]], num_images: int,
                     seed: Optional[int], noise: Optional[Tensor], output_type: str,
                     batch_size: int, height: Optional[int], width: Optional[int]) -> List[str]:
        """Validate the arguments of :meth:`__call__`; return the prompts as a list.

        Raises:
            TypeError: ``prompt`` is not a string or a list/tuple of strings (token ids
                belong to ``generate_from_tokens``), or ``seed`` is not an int or None.
            ValueError: Any other argument out of its range, or no model vocabulary.
        """
        if isinstance(prompt, Tensor):
            raise TypeError('infer takes text prompts (a string or a list of strings); '
                            'generate from token ids with model.generate_from_tokens('
                            'caption_ids, caption_len, seed=...)')
        if isinstance(prompt, str):
            prompts = [prompt]
        elif isinstance(prompt, (list, tuple)) and prompt and all(
                isinstance(text, str) for text in prompt):
            prompts = list(prompt)
        else:
            raise TypeError(f'prompt must be a string or a non-empty list (or tuple) of '
                            f'strings, got {type(prompt).__name__} {_short(prompt)}')
        check_seed(seed)
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
        if noise is not None and (not isinstance(noise, Tensor)
                                  or tuple(noise.shape) != expected):
            got = tuple(noise.shape) if isinstance(noise, Tensor) else type(noise).__name__
            raise ValueError(f'noise must be a tensor of shape (len(prompts) * num_images, '
                             f'noise_dim) = {expected}, got {got}')
        if getattr(self.model, 'vocabulary', None) is None:
            raise ValueError(
                'the model has no vocabulary to tokenise prompts: build it with '
                'mmdmgan.apis.init_model (it finds vocab.json beside the checkpoint or in its '
                'meta), set model.vocabulary = Vocabulary.load(path), or pass token ids to '
                'generate_from_tokens')
        return prompts

    def check_memory(self, text: EncodedText, num_images: int, return_attention: bool) -> None:
        """Refuse an :meth:`__call__` whose outputs would exceed ``max_bytes``.

        Estimate: N × Σ_stages S²·3·4 bytes (float32 images of every stage) plus, with
        attention, N × L × Σ_refinement h²·4 (L the longest caption).
        """
        num = text.caption_len.numel() * num_images
        sizes = self.model.sizes
        per_image = sum(size * size * 3 * 4 for size in sizes)
        if return_attention:
            per_image += int(text.caption_len.max()) * sum(size * size * 4
                                                           for size in sizes[:-1])
        if num * per_image > self.max_bytes:
            raise ValueError(
                f'infer would hold {num} images ({num * per_image / 2**30:.2f} GiB with every '
                f'stage) in memory, over its limit of {self.max_bytes / 2**30:.2f} GiB: use '
                'model.iter_infer(...) (same arguments), which yields the images batch by '
                'batch, or fewer num_images')

    # ------------------------------------------------------------------ stages
    def encode_text(self, prompts: Sequence[str]) -> EncodedText:
        """Tokenise with the model's vocabulary, each caption cut to ``max_words``.

        Unknown words, characters no vocabulary word holds (non-ASCII letters, emoji) and
        words past ``max_words`` are dropped with a warning naming them.

        Raises:
            ValueError: A prompt without any vocabulary word.
        """
        vocabulary: Vocabulary = self.model.vocabulary
        all_ids, words = [], []
        for text in prompts:
            ids, unknown = vocabulary.tokens_to_ids(tokenize(text))
            unknown += dropped_by_tokenize(text)
            if not ids:
                raise ValueError(
                    f'prompt {_short(text)} has no word of the model vocabulary '
                    f'({len(vocabulary)} words, e.g. {vocabulary.decode(range(1, 9))!r})')
            if unknown:
                warnings.warn(f'prompt {_short(text)}: words not in the model vocabulary '
                              f'were dropped: {unknown}', stacklevel=4)
            if len(ids) > self.max_words:
                cut = vocabulary.decode(ids[self.max_words:])
                warnings.warn(f'prompt {_short(text)} has {len(ids)} vocabulary words; the '
                              f'model takes at most {self.max_words} (its training captions), '
                              f'so the rest were cut: {_short(cut)}', stacklevel=4)
                ids = ids[:self.max_words]
            all_ids.append(ids)
            words.append([vocabulary.ixtoword[index] for index in ids])
        caption_len = torch.tensor([len(ids) for ids in all_ids])
        caption_ids = torch.zeros(len(all_ids), int(caption_len.max()), dtype=torch.long)
        for row, ids in enumerate(all_ids):
            caption_ids[row, :len(ids)] = torch.tensor(ids)
        return EncodedText(caption_ids, caption_len, words)

    def sample_noise(self, indices: Sequence[int], seed: int,
                     noise: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """z (B×noise_dim) and the CA ε (B×condition_dim) of the images ``indices`` (CPU).

        Both come from ``model.noise_for_indices(indices, seed)``; ``noise`` (the whole
        call's N×noise_dim z) replaces the drawn z.
        """
        z, epsilon = self.model.noise_for_indices(indices, seed)
        if noise is not None:
            z = noise[list(indices)]
        return z, epsilon

    def generate(self, text: EncodedText, noise: Tensor, ca_epsilon: Tensor,
                 sample_model: Optional[str],
                 return_attention: bool) -> Tuple[List[Tensor], Optional[List[List[Tensor]]]]:
        """Run the generator on one batch; images stay on the model's device.

        Returns:
            tuple: per-stage B×3×S×S images in [-1, 1]; per image, per refinement stage the
            L×h×w attention maps (CPU) when ``return_attention``, else ``None``.
        """
        device = self.device
        output = self.model.generate_from_tokens(
            text.caption_ids.to(device), text.caption_len.to(device), noise=noise.to(device),
            ca_epsilon=ca_epsilon.to(device), sample_model=sample_model,
            return_attention=return_attention)
        attention = None
        if return_attention:
            maps = [stage_maps.float().cpu() for stage_maps in output.attention_maps]
            attention = [[stage_maps[i, :length] for stage_maps in maps]
                         for i, length in enumerate(text.caption_len.tolist())]
        return list(output.images), attention

    def decode(self, images: Tensor, output_type: str) -> StageImages:
        """One stage's N×3×S×S images in [-1, 1] → the requested output type."""
        if output_type == 'tensor':
            return images
        array = to_uint8(images)
        if output_type == 'uint8':
            return array
        return [Image.fromarray(image) for image in array]

    # ------------------------------------------------------------------ whole calls
    def _batches(self, prompts: List[str], text: EncodedText, num_images: int,
                 seed: int, noise: Optional[Tensor], return_attention: bool,
                 output_type: str, sample_model: Optional[str],
                 batch_size: int) -> Iterator[Text2ImageOutput]:
        total = len(prompts) * num_images
        for start in range(0, total, batch_size):
            indices = list(range(start, min(start + batch_size, total)))
            rows = torch.tensor([index // num_images for index in indices])
            batch_text = EncodedText(text.caption_ids[rows], text.caption_len[rows],
                                     [text.words[row] for row in rows.tolist()])
            batch_text.caption_ids = batch_text.caption_ids[:, :int(batch_text.caption_len.max())]
            z, epsilon = self.sample_noise(indices, seed, noise)
            with torch.no_grad():
                images, attention = self.generate(batch_text, z, epsilon, sample_model,
                                                  return_attention)
            yield Text2ImageOutput(
                images=[self.decode(stage, output_type) for stage in images],
                sizes=[stage.size(-1) for stage in images],
                prompts=[prompts[row] for row in rows.tolist()], words=batch_text.words,
                attention_maps=attention, indices=indices, seed=seed)

    def iter_infer(self,
                   prompt: Union[str, Sequence[str]],
                   num_images: int = 1,
                   seed: Optional[int] = None,
                   noise: Optional[Tensor] = None,
                   return_attention: bool = False,
                   output_type: str = 'pil',
                   sample_model: Optional[str] = None,
                   batch_size: int = 16,
                   height: Optional[int] = None,
                   width: Optional[int] = None) -> Iterator[Text2ImageOutput]:
        """Like :meth:`__call__`, but yields one :class:`Text2ImageOutput` per batch of at most
        ``batch_size`` images (``indices`` says which), so only one batch is held at a time.

        The inputs are checked and the prompts tokenised (with their warnings) when this is
        called, before the first batch is asked for.
        """
        prompts = self.check_inputs(prompt, num_images, seed, noise, output_type, batch_size,
                                    height, width)
        text = self.encode_text(prompts)  # each prompt once: one warning per prompt
        seed = draw_seed() if seed is None else seed
        return self._batches(prompts, text, num_images, seed, noise, return_attention,
                             output_type, sample_model, batch_size)

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
            prompt (str | list[str] | tuple[str]): One caption or several. Words outside the
                vocabulary are dropped with a warning; captions longer than ``max_words``
                are cut with a warning.
            num_images (int): Images per prompt.
            seed (int, optional): Image ``i`` (prompt-major) gets the noise of ``(seed, i)``
                (``model.noise_for_indices``): the same seed gives the same images for any
                ``batch_size``. ``None`` draws a seed from the global torch RNG (returned in
                ``seed`` of the output).
            noise (Tensor, optional): (len(prompts)·num_images)×noise_dim z, prompt-major;
                the CA ε still comes from the seed.
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

        Raises:
            ValueError: The images would need more than ``max_bytes`` (see
                :meth:`check_memory`); :meth:`iter_infer` streams them instead.
        """
        prompts = self.check_inputs(prompt, num_images, seed, noise, output_type, batch_size,
                                    height, width)
        text = self.encode_text(prompts)
        self.check_memory(text, num_images, return_attention)
        seed = draw_seed() if seed is None else seed
        batches = list(self._batches(prompts, text, num_images, seed, noise, return_attention,
                                     output_type, sample_model, batch_size))
        return Text2ImageOutput(
            images=[_concatenate([batch.images[k] for batch in batches])
                    for k in range(len(batches[0].images))],
            sizes=batches[0].sizes,
            prompts=[text for batch in batches for text in batch.prompts],
            words=[words for batch in batches for words in batch.words],
            attention_maps=(None if not return_attention else
                            [maps for batch in batches for maps in batch.attention_maps]),
            indices=[index for batch in batches for index in batch.indices],
            seed=batches[0].seed)


def _concatenate(parts: List[StageImages]) -> StageImages:
    """One stage's images of several batches joined in order."""
    if isinstance(parts[0], Tensor):
        return torch.cat(parts)
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    return [image for part in parts for image in part]


def _short(value, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters (a 500-word prompt in a message)."""
    text = repr(value)
    return text if len(text) <= limit else f'{text[:limit - 5]}...{text[-2:]}'
