"""Export the encoders of a DAMSM training checkpoint for DM-GAN.

Writes, into OUT_DIR:
    text_encoder.pth    plain state dict of DAMSMTextEncoder   (tensors only)
    image_encoder.pth   plain state dict of DAMSMImageEncoder  (tensors only; includes the
                        frozen Inception trunk, so no Inception file is needed to load it)
    vocab.json          the training dataset's vocabulary (Vocabulary.save), when the dataset
                        of the run's config can be built here (skip with --no-vocab)

Both .pth files load with ``torch.load(path, weights_only=True)``. Every file is written to a
temporary name and renamed, so a crash never leaves a half-written file.

Examples:
    python tools/export_damsm.py work_dirs/damsm_cub/epoch_200.pth checkpoints/damsm_cub
    python tools/export_damsm.py epoch_4.pth out/ --config configs/damsm_shapes.py
"""
import argparse
import os
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import Tensor

import mmdmgan  # noqa: F401  (registers modules)
from mmdmgan.engine.checkpoint import load_checkpoint_file
from mmdmgan.engine.checkpoint_loading import checkpoint_weights
from mmdmgan.registry import DATASETS
from mmdmgan.utils import atomic_write
from mmdmgan.utils.cli import run_cli

ENCODERS = ('text_encoder', 'image_encoder')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export text_encoder.pth / image_encoder.pth (+ vocab.json) from a DAMSM '
        'checkpoint')
    parser.add_argument('checkpoint', help='checkpoint written by tools/train.py on a DAMSM config')
    parser.add_argument('out_dir', help='output folder (created)')
    parser.add_argument('--config', help='config whose train dataset gives the vocabulary '
                        '(default: the config stored in the checkpoint)')
    parser.add_argument('--no-vocab', action='store_true', help='do not write vocab.json')
    return parser.parse_args()


def split_encoders(state_dict: Dict[str, Tensor], source: str) -> Dict[str, Dict[str, Tensor]]:
    """Split a DAMSM model state dict into the two encoders' state dicts.

    Args:
        state_dict (dict): Keys ``text_encoder.*`` and ``image_encoder.*`` (others ignored).
        source (str): Name of the checkpoint, for error messages.

    Returns:
        dict: ``{'text_encoder': {...}, 'image_encoder': {...}}`` with the prefixes removed.
    """
    encoders = {}
    for name in ENCODERS:
        prefix = f'{name}.'
        encoders[name] = {key[len(prefix):]: value.detach().cpu().clone()
                          for key, value in state_dict.items() if key.startswith(prefix)}
        if not encoders[name]:
            raise KeyError(f'{source} has no "{prefix}*" weights: is it a checkpoint of a DAMSM '
                           f'config? (first keys: {list(state_dict)[:5]})')
    return encoders


def load_config(checkpoint: dict, config_path: Optional[str]) -> Optional[Config]:
    """The config given on the command line, else the one MMEngine stored in the checkpoint."""
    if config_path is not None:
        return Config.fromfile(config_path)
    cfg_text = checkpoint.get('meta', {}).get('cfg')
    return Config.fromstring(cfg_text, '.py') if cfg_text else None


def export(checkpoint_path: str, out_dir: str, config_path: Optional[str] = None,
           with_vocab: bool = True) -> Dict[str, str]:
    """Write the encoders (and the vocabulary) of a DAMSM checkpoint; return the paths written."""
    if not osp.isfile(checkpoint_path):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint_path}')
    checkpoint = load_checkpoint_file(checkpoint_path)
    state_dict = checkpoint_weights(checkpoint)
    encoders = split_encoders(state_dict, checkpoint_path)
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for name, weights in encoders.items():
        path = osp.join(out_dir, f'{name}.pth')
        atomic_write(path, lambda tmp, weights=weights: torch.save(weights, tmp))
        written[name] = path
    if with_vocab:
        cfg = load_config(checkpoint, config_path)
        if cfg is None:
            raise ValueError(f'{checkpoint_path} stores no config: pass --config (the training '
                             'config) to export the vocabulary, or --no-vocab')
        init_default_scope(cfg.get('default_scope', 'mmdmgan'))
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        vocabulary = getattr(dataset, 'vocabulary', None)
        if vocabulary is None:
            raise ValueError(f'the train dataset ({type(dataset).__name__}) has no vocabulary: '
                             'use --no-vocab')
        path = osp.join(out_dir, 'vocab.json')
        atomic_write(path, vocabulary.save)
        written['vocabulary'] = path
    return written


def main() -> None:
    args = parse_args()
    written = export(args.checkpoint, args.out_dir, args.config, not args.no_vocab)
    for name, path in written.items():
        print(f'{name}: {path}')


if __name__ == '__main__':
    run_cli(main)
