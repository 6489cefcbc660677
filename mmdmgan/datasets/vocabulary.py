"""Caption tokenizer and word vocabulary shared by every caption dataset.

The rules follow AttnGAN / DM-GAN so that their ``captions.pickle`` files load unchanged:
captions are lower-cased, split into ``\\w+`` tokens and every token is reduced to its ASCII
characters; index 0 is ``'<end>'`` and doubles as padding.
"""
import json
import logging
import os
import re
import unicodedata
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import ftfy
import numpy as np
import torch
from mmengine.logging import print_log

END_TOKEN = '<end>'
_WORD_PATTERN = re.compile(r'\w+')


def tokenize(text: str) -> List[str]:
    """Split a caption into lower-case ASCII word tokens.

    Mojibake (e.g. ``'cafÃ©'``) is repaired with ftfy first; the reference's stray
    U+FFFD replacement characters separate words. Tokens left empty after dropping
    non-ASCII characters disappear, as in the reference.

    Args:
        text (str): One caption.

    Returns:
        list[str]: The tokens, possibly empty.
    """
    text = ftfy.fix_text(text).replace('\ufffd', ' ').lower()
    tokens = (token.encode('ascii', 'ignore').decode('ascii')
              for token in _WORD_PATTERN.findall(text))
    return [token for token in tokens if token]


def dropped_by_tokenize(text: str) -> List[str]:
    """The parts of a caption that :func:`tokenize` removes although they carry meaning.

    Letters, digits and symbols outside ASCII (accented letters, other scripts, emoji) are
    removed by :func:`tokenize` without a trace; punctuation and spaces are not reported.

    Args:
        text (str): One caption.

    Returns:
        list[str]: Each whitespace-separated piece of ``text`` holding such a character.
    """
    text = ftfy.fix_text(text).replace('\ufffd', ' ')
    return [piece for piece in text.split()
            if any(not char.isascii() and unicodedata.category(char)[0] in 'LNS'
                   for char in piece)]


def fit_caption_length(ids: Sequence[int], words_num: int, mode: str = 'train',
                       rng: Optional[np.random.Generator] = None) -> Tuple[torch.Tensor, int]:
    """Pad or shorten a caption's token ids to exactly ``words_num`` entries.

    Captions longer than ``words_num`` keep a random order-preserving subset of their
    words when training (the reference's behaviour, a cheap text augmentation) and
    their first ``words_num`` words at test time, so evaluation is deterministic.

    Args:
        ids (Sequence[int]): Token ids, none of them 0.
        words_num (int): The fixed length T (18 for CUB, 12 for COCO in DM-GAN).
        mode (str): ``'train'`` or ``'test'``.
        rng (np.random.Generator, optional): Source of the random subset in training;
            numpy's global generator (seeded per worker by MMEngine) when omitted.

    Returns:
        tuple[torch.Tensor, int]: LongTensor[T] zero padded, and the number of real words.
    """
    if mode not in ('train', 'test'):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if words_num < 1:
        raise ValueError(f'words_num must be positive, got {words_num}')
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) == 0:
        raise ValueError('cannot encode a caption without any known word')
    if len(ids) > words_num:
        if mode == 'train':
            if rng is None:
                keep = np.random.choice(len(ids), words_num, replace=False)
            else:
                keep = rng.choice(len(ids), words_num, replace=False)
            ids = ids[np.sort(keep)]
        else:
            ids = ids[:words_num]
    padded = torch.zeros(words_num, dtype=torch.long)
    padded[:len(ids)] = torch.from_numpy(ids)
    return padded, len(ids)


class Vocabulary:
    """Bidirectional word <-> index table with ``'<end>'`` (padding) at index 0.

    Args:
        ixtoword (Mapping[int, str]): Index to word, as in AttnGAN's ``captions.pickle``.
            Must map 0 to ``'<end>'`` and cover 0..N-1.
        wordtoix (Mapping[str, int], optional): Word to index; derived when omitted and
            checked against ``ixtoword`` when given.
    """

    def __init__(self, ixtoword: Mapping[int, str],
                 wordtoix: Optional[Mapping[str, int]] = None) -> None:
        ixtoword = {int(index): as_text(word) for index, word in ixtoword.items()}
        if ixtoword.get(0) != END_TOKEN:
            raise ValueError(f"index 0 of a vocabulary must be {END_TOKEN!r}, "
                             f"got {ixtoword.get(0)!r}")
        if sorted(ixtoword) != list(range(len(ixtoword))):
            raise ValueError('vocabulary indices must be 0..N-1 without gaps')
        derived = {word: index for index, word in ixtoword.items()}
        if len(derived) != len(ixtoword):
            raise ValueError('vocabulary contains the same word under two indices')
        if wordtoix is not None:
            given = {as_text(word): int(index) for word, index in wordtoix.items()}
            if given != derived:
                mismatched = sorted(set(given.items()) ^ set(derived.items()))[:5]
                raise ValueError(f'wordtoix and ixtoword disagree, e.g. on {mismatched}')
        self.ixtoword: Dict[int, str] = ixtoword
        self.wordtoix: Dict[str, int] = derived

    @classmethod
    def build(cls, tokenized_captions: Iterable[Sequence[str]],
              min_count: int = 1) -> 'Vocabulary':
        """Build a vocabulary from tokenized captions, words in order of first use.

        Args:
            tokenized_captions (Iterable[Sequence[str]]): Token lists (see :func:`tokenize`).
            min_count (int): Words seen fewer times are left out (the reference keeps all).

        Returns:
            Vocabulary: The new vocabulary.
        """
        counts: Dict[str, int] = {}
        for tokens in tokenized_captions:
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
        words = [word for word, count in counts.items()
                 if count >= min_count and word != END_TOKEN]
        return cls({index: word for index, word in enumerate([END_TOKEN] + words)})

    def __len__(self) -> int:
        return len(self.ixtoword)

    def __contains__(self, word: str) -> bool:
        return word in self.wordtoix

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.ixtoword == other.ixtoword

    def tokens_to_ids(self, tokens: Sequence[str]) -> Tuple[List[int], List[str]]:
        """Look tokens up, returning the known ids and the unknown words."""
        known = [self.wordtoix[token] for token in tokens if token in self.wordtoix]
        unknown = [token for token in tokens if token not in self.wordtoix]
        return known, unknown

    def decode(self, ids: Iterable[int]) -> str:
        """Turn token ids back into a space-separated caption, stopping at padding."""
        words = []
        for index in ids:
            index = int(index)
            if index == 0:
                break
            words.append(self.ixtoword[index])
        return ' '.join(words)

    def encode(self, text: str, words_num: int, mode: str = 'test',
               rng: Optional[np.random.Generator] = None) -> Tuple[torch.Tensor, int]:
        """Tokenize a caption and turn it into padded token ids.

        Unknown words are dropped; at test time (inference) the dropped words are named
        in a warning so users can rephrase.

        Args:
            text (str): The caption.
            words_num (int): The fixed length T.
            mode (str): ``'train'`` (random order-preserving subset of long captions) or
                ``'test'`` (first ``words_num`` words).
            rng (np.random.Generator, optional): See :func:`fit_caption_length`.

        Returns:
            tuple[torch.Tensor, int]: LongTensor[T] zero padded, and the caption length.

        Raises:
            ValueError: When the caption is empty or none of its words is known.
        """
        tokens = tokenize(text)
        if not tokens:
            raise ValueError(f'caption {text!r} contains no words; give a non-empty caption')
        ids, unknown = self.tokens_to_ids(tokens)
        if mode == 'test':
            unknown += dropped_by_tokenize(text)
        if unknown and mode == 'test':
            print_log(f'caption {text!r}: dropped words not in the vocabulary: {unknown}',
                      logger='current', level=logging.WARNING)
        if not ids:
            raise ValueError(f'caption {text!r}: none of its words {tokens} is in the '
                             f'vocabulary ({len(self)} words); rephrase it with known words')
        return fit_caption_length(ids, words_num, mode, rng)

    def save(self, path: str) -> None:
        """Write the vocabulary as JSON: ``{"ixtoword": ["<end>", "a", ...]}``."""
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        words = [self.ixtoword[index] for index in range(len(self))]
        with open(path, 'w', encoding='utf-8') as file:
            json.dump({'ixtoword': words}, file, ensure_ascii=False, indent=0)

    @classmethod
    def load(cls, path: str) -> 'Vocabulary':
        """Read a vocabulary written by :meth:`save`."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f'vocabulary file {path} not found; build it with '
                                    'tools/data/dataset_stats.py --save-vocab or from the dataset')
        try:
            with open(path, encoding='utf-8') as file:
                words = json.load(file)['ixtoword']
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f'vocabulary file {path} is not a JSON object with an '
                             f'"ixtoword" list ({error})') from error
        return cls(dict(enumerate(words)))


def as_text(value) -> str:
    """A word or file name from a Python-2 pickle as ``str`` (bytes are decoded as latin1)."""
    if isinstance(value, bytes):
        return value.decode('latin1')
    return str(value)
