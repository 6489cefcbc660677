"""Grow the text encoder of a shapes checkpoint to the free-form caption vocabulary.

    python tools/shapes_demo/extend_vocabulary.py IN.pth OUT.pth \
        [--text-encoder-prefix text_encoder]

IN is a DAMSM or DM-GAN training checkpoint, or a stripped/exported one, whose text encoder
(``text_encoder.*`` keys) was trained on the 45-word fixed-grammar vocabulary
(``shapes_vocabulary()``). OUT is the same checkpoint with the text encoder's word embedding
grown to ``shapes_vocabulary(free_form=True)`` by ``extend_word_embedding``: the old words
keep their rows, an appended synonym ("big") starts as the row of its old word ("large",
``SYNONYMS``), any other appended word as the mean old row. Every other key is unchanged;
``meta['vocabulary']`` becomes the new word list when IN had one. Configs that load OUT need
``text_encoder.vocab_size`` = the new vocabulary's size (60). ``--text-encoder-prefix ''``
reads a bare text-encoder state dict (``word_embedding.weight``, ``lstm.*``).
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional

import torch
from torch import Tensor

from mmdmgan.datasets.shapes import SYNONYMS, shapes_vocabulary
from mmdmgan.engine.checkpoint import load_checkpoint_file
from mmdmgan.models.damsm import DAMSMTextEncoder, extend_word_embedding
from mmdmgan.utils import atomic_write
from mmdmgan.utils.cli import run_cli

EMBEDDING_KEY = 'word_embedding.weight'
LSTM_KEY = 'lstm.weight_hh_l0'  # (4 * hidden_dim // 2, hidden_dim // 2)


def text_encoder_weights(state_dict: Dict[str, Tensor], prefix: str,
                         source: str) -> Dict[str, Tensor]:
    """The text encoder's entries of ``state_dict``, without ``prefix``."""
    weights = {key[len(prefix):]: value for key, value in state_dict.items()
               if key.startswith(prefix)}
    if EMBEDDING_KEY not in weights or LSTM_KEY not in weights:
        raise KeyError(f'{source} has no text encoder weights ("{prefix}{EMBEDDING_KEY}", '
                       f'"{prefix}{LSTM_KEY}"); first keys: {list(state_dict)[:5]}. Pass '
                       f'--text-encoder-prefix if they are stored under another name')
    return weights


def extend_state(weights: Dict[str, Tensor], source: str) -> Dict[str, Tensor]:
    """The text encoder state ``weights`` grown from the 45-word to the free-form vocabulary."""
    old, new = shapes_vocabulary(), shapes_vocabulary(free_form=True)
    vocab_size, embedding_dim = weights[EMBEDDING_KEY].shape
    if vocab_size == len(new):
        raise ValueError(f'{source}: the text encoder already embeds {vocab_size} words, the '
                         f'size of the free-form vocabulary: it is already extended')
    if vocab_size != len(old):
        raise ValueError(f'{source}: the text encoder embeds {vocab_size} words, not the '
                         f'{len(old)} of the shapes fixed-grammar vocabulary')
    hidden_dim = 2 * weights[LSTM_KEY].shape[1]
    encoder = DAMSMTextEncoder(vocab_size, embedding_dim=embedding_dim, hidden_dim=hidden_dim)
    encoder.load_state_dict(weights, strict=True)
    extend_word_embedding(encoder, old, new, SYNONYMS)
    grown = encoder.state_dict()
    dtype = weights[EMBEDDING_KEY].dtype
    return {key: value.to(dtype) if value.is_floating_point() else value
            for key, value in grown.items()}


def extend_checkpoint(checkpoint: dict, prefix: str, source: str) -> List[str]:
    """Grow the text encoder of ``checkpoint`` in place; return the new vocabulary's words."""
    has_state = isinstance(checkpoint.get('state_dict'), dict)
    state_dict = checkpoint['state_dict'] if has_state else checkpoint
    grown = extend_state(text_encoder_weights(state_dict, prefix, source), source)
    for key, value in grown.items():
        state_dict[prefix + key] = value
    words = [shapes_vocabulary(free_form=True).ixtoword[index]
             for index in range(len(shapes_vocabulary(free_form=True)))]
    meta = checkpoint.get('meta')
    if isinstance(meta, dict) and meta.get('vocabulary') is not None:
        meta['vocabulary'] = words
    return words


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='checkpoint with a 45-word shapes text encoder')
    parser.add_argument('out', help='output .pth')
    parser.add_argument('--text-encoder-prefix', default='text_encoder',
                        help="key prefix of the text encoder weights ('' for a bare state)")
    args = parser.parse_args(argv)
    if osp.abspath(args.out) == osp.abspath(args.checkpoint) or (
            osp.exists(args.out) and osp.samefile(args.out, args.checkpoint)):
        raise ValueError(f'OUT must differ from IN ({args.out}): the input is kept as it is')
    checkpoint = load_checkpoint_file(args.checkpoint)
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{args.checkpoint} is not a checkpoint dict')
    prefix = f'{args.text_encoder_prefix}.' if args.text_encoder_prefix else ''
    words = extend_checkpoint(checkpoint, prefix, args.checkpoint)
    atomic_write(args.out, lambda tmp: torch.save(checkpoint, tmp))
    print(f'{args.out}: text encoder grown from {len(shapes_vocabulary())} to {len(words)} '
          f'words (configs need text_encoder vocab_size={len(words)})')
    return 0


if __name__ == '__main__':
    run_cli(main)
