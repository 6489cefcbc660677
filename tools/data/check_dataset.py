"""Check a CUB / COCO folder in the AttnGAN layout (or a captions.jsonl folder) and list
every problem, with file and line.

    python tools/data/check_dataset.py data/birds                    # layout detected
    python tools/data/check_dataset.py data/coco --dataset coco --verify-images

Errors are what training would fail on (missing or unreadable files, truncated images,
non-UTF-8 lines, empty splits, duplicate jsonl images, captions without words...); warnings
are what trains but may not be what was meant (16-bit images, captions dropped for having no
vocabulary word, an image listed twice in filenames.pickle). The last line counts each kind.
Exit status 1 when there is an error, 0 otherwise.
"""
import argparse
import os
import sys
from collections import Counter
from typing import Dict, List, Optional, Set, Tuple

from mmdmgan.datasets.attngan_dataset import (
    SPLITS,
    detect_layout,
    load_captions_pickle,
    load_filenames,
    load_legacy_pickle,
)
from mmdmgan.datasets.caption_dataset import (
    DUPLICATE,
    EMPTY_SPLIT,
    NOT_UTF8,
    parse_captions_jsonl,
    parse_split_file,
)
from mmdmgan.datasets.errors import DataItemError
from mmdmgan.datasets.text_files import not_utf8_message, split_utf8_lines
from mmdmgan.datasets.transforms import read_rgb_image
from mmdmgan.datasets.vocabulary import Vocabulary, tokenize

MISSING = 'missing file'
UNREADABLE = 'unreadable file'
BAD_IMAGE = 'unreadable image'
WIDE_IMAGE = '16-bit image'
MISMATCH = 'inconsistent metadata'
NO_WORD = 'caption without vocabulary word'
NO_CAPTION = 'image without caption'
CAPTIONS_PER_IMAGE = {'cub': 10, 'coco': 5}


class Report:
    """Problems found: errors (training would fail), warnings and notes, by kind."""

    def __init__(self) -> None:
        self.lines: List[str] = []
        self.errors: Counter = Counter()
        self.warnings: Counter = Counter()

    def error(self, kind: str, message: str) -> None:
        self.errors[kind] += 1
        self.lines.append(f'ERROR [{kind}] {message}')

    def warning(self, kind: str, message: str) -> None:
        self.warnings[kind] += 1
        self.lines.append(f'WARNING [{kind}] {message}')

    def note(self, message: str) -> None:
        self.lines.append(f'note: {message}')

    def summary(self) -> str:
        def counts(counter: Counter, word: str) -> str:
            total = sum(counter.values())
            kinds = ', '.join(f'{count} {kind}' for kind, count in sorted(counter.items()))
            return f'{total} {word}{"s" if total != 1 else ""} ({kinds})'
        parts = [counts(counter, word) for counter, word in ((self.errors, 'error'),
                                                             (self.warnings, 'warning'))
                 if counter]
        if self.errors:
            return '; '.join(parts) + ': training would fail'
        return 'complete' + (f'; {parts[0]}' if parts else '')


def check_image(report: Report, path: str, verify: bool) -> None:
    """A missing image, and with ``verify`` one that does not decode fully or is 16-bit."""
    if not os.path.isfile(path):
        report.error(MISSING, f'missing image {path}')
        return
    if not verify:
        return
    try:
        _, bits = read_rgb_image(path)
    except DataItemError as error:
        report.error(BAD_IMAGE, str(error))
        return
    if bits == 16:
        report.warning(WIDE_IMAGE, f'{path} is a 16-bit image; it is read as 8-bit (value >> 8)')


def read_lines(report: Report, path: str,
               missing: str) -> Optional[Tuple[List[str], List[int]]]:
    """The lines of a text file and the numbers of its non-UTF-8 lines (each problem reported),
    or ``None`` when the file is missing (reported as ``missing``)."""
    if not os.path.isfile(path):
        report.error(MISSING, missing)
        return None
    with open(path, 'rb') as file:
        lines, not_utf8 = split_utf8_lines(file.read())
    if not_utf8:
        report.error(NOT_UTF8, not_utf8_message(path, not_utf8))
    return lines, not_utf8


def check_text_file(report: Report, path: str) -> None:
    """``text/<key>.txt``: UTF-8, at least one caption; lines without words are ignored."""
    read = read_lines(report, path, f'missing caption file {path}')
    if read is None:
        return
    lines, not_utf8 = read
    captions = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip() or number in not_utf8:
            continue
        if tokenize(line):
            captions += 1
        else:
            report.warning(NO_WORD, f'{path} line {number}: {line.strip()!r} has no word; it '
                                    'is ignored')
    if not captions and not not_utf8:
        report.error(NO_CAPTION, f'caption file {path} contains no caption')


def check_captions_pickle(report: Report, path: str, keys: Dict[str, List[str]],
                          captions_per_image: int) -> None:
    """Counts of ``captions.pickle`` against the splits, and captions without any word."""
    try:
        captions = dict(zip(SPLITS, load_captions_pickle(path)[:2]))
    except (ValueError, TypeError) as error:
        report.error(UNREADABLE, str(error))
        return
    for split, split_keys in keys.items():
        expected = len(split_keys) * captions_per_image
        if len(captions[split]) != expected:
            report.error(MISMATCH, f'{path} holds {len(captions[split])} {split} captions; '
                                   f'{split}/filenames.pickle lists {len(split_keys)} images × '
                                   f'{captions_per_image} captions = {expected}')
            continue
        for index, ids in enumerate(captions[split]):
            if not ids:
                key = split_keys[index // captions_per_image]
                report.error(NO_WORD, f'{path}: {split} caption {index % captions_per_image} of '
                                      f'{key} has no word (training fails on it)')


def check_attngan(data_root: str, dataset: str, verify_images: bool = False,
                  report: Optional[Report] = None) -> Report:
    """Every problem of a CUB / COCO folder."""
    report = report or Report()
    captions_path = os.path.join(data_root, 'captions.pickle')
    has_captions = os.path.isfile(captions_path)
    if not has_captions:
        report.note(f'{captions_path} missing; it will be built from text/ '
                    '(tools/data/build_captions.py)')
    bboxes: Optional[Set[str]] = None
    if dataset == 'cub':
        cub_dir = os.path.join(data_root, 'CUB_200_2011')
        rows = {}
        for name in ('images.txt', 'bounding_boxes.txt'):
            path = os.path.join(cub_dir, name)
            read = read_lines(report, path, f'missing {path} (from CUB_200_2011.tgz)')
            if read is None:
                continue
            lines, _ = read
            rows[name] = {fields[0]: fields[1:] for fields in map(str.split, lines) if fields}
        if len(rows) == 2:
            bboxes = {os.path.splitext(fields[0])[0] for image_id, fields
                      in rows['images.txt'].items()
                      if fields and len(rows['bounding_boxes.txt'].get(image_id, ())) >= 4}
        image_dir = os.path.join(cub_dir, 'images')
    else:
        image_dir = os.path.join(data_root, 'images')
    keys = {}
    for split in SPLITS:
        filenames = os.path.join(data_root, split, 'filenames.pickle')
        try:
            keys[split] = load_filenames(data_root, split)
        except (FileNotFoundError, ValueError) as error:
            report.error(MISSING if isinstance(error, FileNotFoundError) else UNREADABLE,
                         str(error))
            continue
        if not keys[split]:
            report.error(EMPTY_SPLIT, f'{filenames} lists no image')
        first: Dict[str, int] = {}
        for index, key in enumerate(keys[split]):
            if key in first:
                report.warning(DUPLICATE, f'{filenames}: entry {index} repeats entry '
                                          f'{first[key]} ({key}); the image weighs double')
            first.setdefault(key, index)
        if dataset == 'cub':
            try:
                class_info = load_legacy_pickle(os.path.join(data_root, split,
                                                             'class_info.pickle'))
                if len(class_info) != len(keys[split]):
                    report.error(MISMATCH, f'{data_root}/{split}/class_info.pickle has '
                                           f'{len(class_info)} entries for {len(keys[split])} '
                                           'images')
            except (FileNotFoundError, ValueError) as error:
                report.error(MISSING if isinstance(error, FileNotFoundError) else UNREADABLE,
                             str(error))
        for key in keys[split]:
            check_image(report, os.path.join(image_dir, f'{key}.jpg'), verify_images)
            if bboxes is not None and key not in bboxes:
                report.error(MISMATCH, f'{key} has no bounding box in {data_root}/CUB_200_2011/'
                                       '{images,bounding_boxes}.txt')
            if not has_captions:
                check_text_file(report, os.path.join(data_root, 'text', f'{key}.txt'))
    if has_captions and len(keys) == len(SPLITS):
        check_captions_pickle(report, captions_path, keys, CAPTIONS_PER_IMAGE[dataset])
    return report


def check_jsonl(data_root: str, verify_images: bool = False,
                vocabulary_file: Optional[str] = None,
                report: Optional[Report] = None) -> Report:
    """Every problem of a generic ``captions.jsonl`` folder. Captions are checked against
    ``vocabulary_file`` (default: ``vocab.json`` of the folder when present, else the
    vocabulary built from all captions, as ``CaptionDataset`` does)."""
    report = report or Report()
    path = os.path.join(data_root, 'captions.jsonl')
    try:
        records, problems = parse_captions_jsonl(path)
    except (FileNotFoundError, ValueError) as error:
        report.error(MISSING if isinstance(error, FileNotFoundError) else UNREADABLE, str(error))
        return report
    for kind, message in problems:
        report.error(kind, message)
    if not records:
        report.error(EMPTY_SPLIT, f'{path} holds no image')
    vocabulary_file = vocabulary_file or os.path.join(data_root, 'vocab.json')
    if os.path.isfile(vocabulary_file):
        vocabulary = Vocabulary.load(vocabulary_file)
    else:
        vocabulary = Vocabulary.build(tokenize(text) for record in records
                                      for text in record['captions'])
    for record in records:
        without_word = [text for text in record['captions']
                        if not vocabulary.tokens_to_ids(tokenize(text))[0]]
        where = f'{path} line {record["line"]} ({record["image"]})'
        if len(without_word) == len(record['captions']):
            report.error(NO_CAPTION, f'{where}: no caption has a vocabulary word')
        else:
            for text in without_word:
                report.warning(NO_WORD, f'{where}: caption {text!r} has no vocabulary word; '
                                        'it is dropped')
        check_image(report, os.path.join(data_root, 'images', record['image']), verify_images)
    known = {record['image'] for record in records}
    for split_file in sorted(name for name in os.listdir(data_root) if name.endswith('.txt')):
        split_path = os.path.join(data_root, split_file)
        names, problems = parse_split_file(split_path)
        for kind, message in problems:
            report.error(kind, message)
        for name in names:
            if name not in known:
                report.error(MISMATCH, f'{split_path} lists {name}, which captions.jsonl lacks')
    return report


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument('--dataset', choices=['cub', 'coco', 'jsonl'], default=None,
                        help='layout (detected when omitted)')
    parser.add_argument('--verify-images', action='store_true',
                        help='also decode every image completely (slow): truncated or corrupt '
                             'files, 16-bit images')
    parser.add_argument('--vocab', default=None,
                        help='jsonl: vocabulary file (default: DATA_ROOT/vocab.json if present)')
    parser.add_argument('--max-lines', type=int, default=50,
                        help='problems printed at most (0: all); the summary counts all')
    args = parser.parse_args(argv)
    if not os.path.isdir(args.data_root):
        print(f'{args.data_root}: no such folder; put the dataset there as described in '
              'docs/data.md')
        return 1
    dataset = args.dataset or detect_layout(args.data_root)
    if dataset == 'jsonl':
        report = check_jsonl(args.data_root, args.verify_images, args.vocab)
    else:
        report = check_attngan(args.data_root, dataset, args.verify_images)
    shown = report.lines if args.max_lines <= 0 else report.lines[:args.max_lines]
    for line in shown:
        print(line)
    if len(report.lines) > len(shown):
        print(f'... and {len(report.lines) - len(shown)} more (--max-lines 0 prints all)')
    print(f'{args.data_root} ({dataset}): {report.summary()}')
    return 1 if report.errors else 0


if __name__ == '__main__':
    sys.exit(main())
