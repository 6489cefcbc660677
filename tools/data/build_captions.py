"""Build AttnGAN's captions.pickle from text/<key>.txt of a CUB / COCO folder.

    python tools/data/build_captions.py data/birds               # 10 captions per image
    python tools/data/build_captions.py data/coco --captions-per-image 5
"""
import argparse
import os
import sys
from typing import List, Optional

from mmdmgan.datasets.attngan_dataset import build_captions_pickle, load_captions_pickle
from mmdmgan.utils.cli import run_cli


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--captions-per-image', type=int, default=None,
                        help='10 for CUB (default when CUB_200_2011/ exists), else 5')
    parser.add_argument('--out', default=None, help='default: <data_root>/captions.pickle')
    parser.add_argument('--force', action='store_true', help='overwrite an existing pickle')
    args = parser.parse_args(argv)
    out = args.out or os.path.join(args.data_root, 'captions.pickle')
    if os.path.exists(out) and not args.force:
        print(f'{out} exists; pass --force to rebuild it', file=sys.stderr)
        return 1
    per_image = args.captions_per_image or (
        10 if os.path.isdir(os.path.join(args.data_root, 'CUB_200_2011')) else 5)
    build_captions_pickle(args.data_root, per_image, out)
    train, test, vocabulary = load_captions_pickle(out)
    print(f'wrote {out}: {len(train)} train and {len(test)} test captions '
          f'({per_image} per image), {len(vocabulary)} words')
    return 0


if __name__ == '__main__':
    run_cli(main)
