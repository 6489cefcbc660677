"""Keep the GAN weights of a DM-GAN checkpoint and drop its DAMSM encoders.

MMEngine's ``load_from`` loads every weight of a checkpoint, the frozen DAMSM encoders
included, over the ones the config loaded. To start a run from a trained generator and
discriminators but with *other* DAMSM encoders, point ``load_from`` at the output of this
tool: it holds ``state_dict`` without ``text_encoder.*`` / ``image_encoder.*`` (generator,
EMA and discriminators as they were) and ``meta.source``; no optimiser states.

Example (docs/training.md):
    python tools/strip_encoders.py work_dirs/dmgan_cub/iter_50000.pth \
        work_dirs/dmgan_cub/gan_only.pth
"""
import argparse
import os.path as osp
from typing import Dict

import torch
from torch import Tensor

from mmdmgan.engine.checkpoint import load_checkpoint_file
from mmdmgan.engine.checkpoint_loading import checkpoint_weights
from mmdmgan.utils import atomic_write
from mmdmgan.utils.cli import run_cli

ENCODER_PREFIXES = ('text_encoder.', 'image_encoder.')


def gan_weights(state_dict: Dict[str, Tensor], source: str) -> Dict[str, Tensor]:
    """The entries of ``state_dict`` that are not DAMSM encoder weights."""
    kept = {key: value for key, value in state_dict.items()
            if not key.startswith(ENCODER_PREFIXES)}
    if not any(key.startswith('generator.') for key in kept):
        raise KeyError(f'{source} has no "generator.*" weights: is it a DM-GAN training '
                       f'checkpoint? (first keys: {list(state_dict)[:5]})')
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='DM-GAN checkpoint written by tools/train.py')
    parser.add_argument('out', help='output .pth')
    args = parser.parse_args()

    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    checkpoint = load_checkpoint_file(args.checkpoint)
    weights = gan_weights(checkpoint_weights(checkpoint),
                          args.checkpoint)
    meta = dict(source=osp.basename(args.checkpoint))
    atomic_write(args.out, lambda tmp: torch.save(dict(state_dict=weights, meta=meta), tmp))
    print(args.out)


if __name__ == '__main__':
    run_cli(main)
