"""Export what sampling needs from a DM-GAN training checkpoint: generator + text encoder.

Writes OUT (a .pth loadable with ``torch.load(OUT, weights_only=True)``) holding
``state_dict`` (``generator.*`` from the chosen generator, ``text_encoder.*``; tensors only,
optionally stored as float16) and ``meta`` (``vocabulary``: the word list, ``source``,
``sample_model``), and the vocabulary beside it as ``<OUT stem>_vocab.json``. ``--vocab``
is the model's vocab.json, or ``shapes`` / ``shapes_free`` for the synthetic shapes'
fixed-grammar (45 words) / free-form (60 words) vocabulary; it must have as many words as the
text encoder embeds.
``mmdmgan.apis.init_model(config, OUT)`` loads it (discriminators and the image encoder are
not needed for sampling).

Example (the shipped shapes model, last step of tools/shapes_demo/reproduce.sh):
    python tools/export_sampler.py work_dirs/dmgan_shapes_demo_near_colour/iter_1000.pth \
        work_dirs/shapes_demo.pth --sample-model orig --vocab shapes_free --fp16
"""
import argparse
import os.path as osp
from typing import Dict

import torch
from torch import Tensor

from mmdmgan.datasets.shapes import SHAPES_VOCABULARY_NAMES, shapes_vocabulary
from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.engine.checkpoint import load_checkpoint_file
from mmdmgan.engine.checkpoint_loading import checkpoint_weights
from mmdmgan.utils import atomic_write
from mmdmgan.utils.cli import run_cli

GENERATOR_PREFIXES = {'orig': 'generator.', 'ema': 'generator_ema.module.'}
EMBEDDING_KEY = 'text_encoder.word_embedding.weight'


def sampling_weights(state_dict: Dict[str, Tensor], sample_model: str, fp16: bool,
                     source: str) -> Dict[str, Tensor]:
    """``generator.*`` (from the chosen generator) and ``text_encoder.*`` weights."""
    renames = {GENERATOR_PREFIXES[sample_model]: 'generator.', 'text_encoder.': 'text_encoder.'}
    weights = {}
    for old, new in renames.items():
        part = {new + key[len(old):]: value for key, value in state_dict.items()
                if key.startswith(old)}
        if not part:
            raise KeyError(f'{source} has no "{old}*" weights (sample_model={sample_model!r}; '
                           f'first keys: {list(state_dict)[:5]})')
        weights.update(part)
    return {key: (value.half() if fp16 and value.is_floating_point() else value).clone()
            for key, value in weights.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='DM-GAN checkpoint written by tools/train.py')
    parser.add_argument('out', help='output .pth')
    parser.add_argument('--sample-model', choices=list(GENERATOR_PREFIXES), default='ema')
    parser.add_argument('--vocab', required=True,
                        help="the model's vocab.json, or 'shapes' / 'shapes_free' for the "
                             'shapes fixed-grammar / free-form vocabulary')
    parser.add_argument('--fp16', action='store_true', help='store floating tensors as float16')
    args = parser.parse_args()

    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    checkpoint = load_checkpoint_file(args.checkpoint)
    state_dict = checkpoint_weights(checkpoint)
    weights = sampling_weights(state_dict, args.sample_model, args.fp16, args.checkpoint)
    vocabulary = (shapes_vocabulary(free_form=SHAPES_VOCABULARY_NAMES[args.vocab])
                  if args.vocab in SHAPES_VOCABULARY_NAMES else Vocabulary.load(args.vocab))
    if EMBEDDING_KEY in weights and len(weights[EMBEDDING_KEY]) != len(vocabulary):
        raise ValueError(f'--vocab {args.vocab} has {len(vocabulary)} words but the text encoder '
                         f'of {args.checkpoint} embeds {len(weights[EMBEDDING_KEY])}: pass the '
                         'vocabulary the model was trained with')
    words = [vocabulary.ixtoword[index] for index in range(len(vocabulary))]
    meta = dict(vocabulary=words, source=osp.basename(args.checkpoint),
                sample_model=args.sample_model,
                iteration=int(checkpoint.get('meta', {}).get('iter', -1)))
    atomic_write(args.out, lambda tmp: torch.save(dict(state_dict=weights, meta=meta), tmp))
    vocab_path = osp.splitext(args.out)[0] + '_vocab.json'
    atomic_write(vocab_path, vocabulary.save)
    print(args.out)
    print(vocab_path)


if __name__ == '__main__':
    run_cli(main)
