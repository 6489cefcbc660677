"""Print statistics of a caption dataset: images, captions, vocabulary size and a
caption-length histogram.

    python tools/data/dataset_stats.py data/birds --split test
    python tools/data/dataset_stats.py data/shapes --dataset jsonl --split-file train.txt \
        --save-vocab            # writes data/shapes/vocab.json

``--save-vocab FILE`` is relative to the dataset folder, like ``CaptionDataset``'s
``vocabulary_file`` (an absolute path is used as given); an existing file with a different
vocabulary is never overwritten.
"""
import argparse
import os
import sys
from collections import Counter
from typing import List, Optional

from mmdmgan.datasets import CaptionDataset, COCODataset, CUBDataset
from mmdmgan.datasets.attngan_dataset import detect_layout
from mmdmgan.datasets.base_caption_dataset import BaseCaptionDataset
from mmdmgan.datasets.vocabulary import Vocabulary


def dataset_stats(dataset: BaseCaptionDataset) -> dict:
    """Counts of a dataset (items are read as annotations, images are not opened)."""
    lengths = Counter()
    images = captions = 0
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        images += 1
        captions += len(info['captions'])
        lengths.update(len(ids) for ids in info['captions'])
    return dict(images=images, captions=captions, vocabulary_size=len(dataset.vocabulary),
                caption_lengths=dict(sorted(lengths.items())))


def format_histogram(lengths: dict, width: int = 40) -> str:
    """Caption length (words) -> count, as text bars."""
    if not lengths:
        return '(no captions)'
    peak = max(lengths.values())
    return '\n'.join(f'{length:4d} {count:8d} ' + '#' * max(1, round(width * count / peak))
                     for length, count in lengths.items())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--dataset', choices=['cub', 'coco', 'jsonl'], default=None,
                        help='layout (detected when omitted)')
    parser.add_argument('--split', default='train', help='cub/coco: train or test')
    parser.add_argument('--split-file', default=None, help='jsonl: split file, e.g. train.txt')
    parser.add_argument('--save-vocab', nargs='?', const='vocab.json', default=None,
                        metavar='FILE',
                        help='write the vocabulary as JSON to FILE, relative to DATA_ROOT '
                             '(default FILE: vocab.json)')
    args = parser.parse_args(argv)
    layout = args.dataset or detect_layout(args.data_root)
    if layout == 'jsonl':
        dataset = CaptionDataset(args.data_root, split_file=args.split_file,
                                 mismatch='batch_shift')
    else:
        dataset_class = CUBDataset if layout == 'cub' else COCODataset
        dataset = dataset_class(data_root=args.data_root, split=args.split,
                                mismatch='batch_shift')
    stats = dataset_stats(dataset)
    print(f'{args.data_root} ({layout}, {args.split_file or args.split}): '
          f'{stats["images"]} images, {stats["captions"]} captions, '
          f'vocabulary {stats["vocabulary_size"]} words')
    print('caption length (words) histogram:')
    print(format_histogram(stats['caption_lengths']))
    if args.save_vocab:
        return save_vocabulary(dataset.vocabulary, os.path.join(args.data_root, args.save_vocab))
    return 0


def save_vocabulary(vocabulary: Vocabulary, path: str) -> int:
    """Write ``vocabulary`` to ``path`` unless a different one is there (exit status)."""
    if os.path.isfile(path):
        if Vocabulary.load(path) == vocabulary:
            print(f'{path} already holds this vocabulary')
            return 0
        print(f'{path} exists and holds a different vocabulary; not overwritten (models '
              'trained with it need it): give another --save-vocab FILE')
        return 1
    vocabulary.save(path)
    print(f'vocabulary written to {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
