"""Check a CUB / COCO folder in the AttnGAN layout (or a captions.jsonl folder) and print
what is missing.

    python tools/data/check_dataset.py data/birds            # layout detected
    python tools/data/check_dataset.py data/coco --dataset coco --verify-images

Exit status 0 when nothing is missing, 1 otherwise.
"""
import argparse
import os
import sys
from typing import List, Optional

from PIL import Image

from mmdmgan.datasets.attngan_dataset import (SPLITS, detect_layout, load_filenames,
                                              load_legacy_pickle)
from mmdmgan.datasets.caption_dataset import read_captions_jsonl, read_split_file


def _image_problem(path: str, verify: bool) -> Optional[str]:
    if not os.path.isfile(path):
        return f'missing image {path}'
    if verify:
        try:
            with Image.open(path) as image:
                image.verify()
        except Exception as error:  # PIL raises many types for broken files
            return f'corrupt image {path} ({error})'
    return None


def check_attngan(data_root: str, dataset: str, verify_images: bool = False) -> List[str]:
    """Problems of a CUB / COCO folder, one line each (empty when complete)."""
    problems = []
    has_captions = os.path.isfile(os.path.join(data_root, 'captions.pickle'))
    if not has_captions:
        problems.append(f'note: {data_root}/captions.pickle missing; it will be built from '
                        'text/ (tools/data/build_captions.py)')
    if dataset == 'cub':
        for name in ('images.txt', 'bounding_boxes.txt'):
            path = os.path.join(data_root, 'CUB_200_2011', name)
            if not os.path.isfile(path):
                problems.append(f'missing {path} (from CUB_200_2011.tgz)')
        image_dir = os.path.join(data_root, 'CUB_200_2011', 'images')
    else:
        image_dir = os.path.join(data_root, 'images')
    for split in SPLITS:
        try:
            keys = load_filenames(data_root, split)
        except (FileNotFoundError, ValueError) as error:
            problems.append(str(error))
            continue
        if dataset == 'cub':
            try:
                class_info = load_legacy_pickle(os.path.join(data_root, split,
                                                             'class_info.pickle'))
                if len(class_info) != len(keys):
                    problems.append(f'{data_root}/{split}/class_info.pickle has '
                                    f'{len(class_info)} entries for {len(keys)} images')
            except (FileNotFoundError, ValueError) as error:
                problems.append(str(error))
        for key in keys:
            problem = _image_problem(os.path.join(image_dir, f'{key}.jpg'), verify_images)
            if problem:
                problems.append(problem)
            text_path = os.path.join(data_root, 'text', f'{key}.txt')
            if not has_captions and not os.path.isfile(text_path):
                problems.append(f'missing caption file {text_path}')
    return problems


def check_jsonl(data_root: str, verify_images: bool = False) -> List[str]:
    """Problems of a generic captions.jsonl folder."""
    try:
        records = read_captions_jsonl(os.path.join(data_root, 'captions.jsonl'))
    except (FileNotFoundError, ValueError) as error:
        return [str(error)]
    problems = [problem for record in records
                if (problem := _image_problem(os.path.join(data_root, 'images', record['image']),
                                              verify_images))]
    known = {record['image'] for record in records}
    for split_file in sorted(name for name in os.listdir(data_root) if name.endswith('.txt')):
        for name in read_split_file(os.path.join(data_root, split_file)):
            if name not in known:
                problems.append(f'{split_file} lists {name}, which captions.jsonl lacks')
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--dataset', choices=['cub', 'coco', 'jsonl'], default=None,
                        help='layout (detected when omitted)')
    parser.add_argument('--verify-images', action='store_true',
                        help='also open every image to find corrupt files (slow)')
    parser.add_argument('--max-lines', type=int, default=50, help='problems printed at most')
    args = parser.parse_args(argv)
    dataset = args.dataset or detect_layout(args.data_root)
    if dataset == 'jsonl':
        problems = check_jsonl(args.data_root, args.verify_images)
    else:
        problems = check_attngan(args.data_root, dataset, args.verify_images)
    errors = [problem for problem in problems if not problem.startswith('note:')]
    for problem in problems[:args.max_lines]:
        print(problem)
    if len(problems) > args.max_lines:
        print(f'... and {len(problems) - args.max_lines} more')
    print(f'{args.data_root} ({dataset}): ' + (f'{len(errors)} problems' if errors else 'complete'))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
