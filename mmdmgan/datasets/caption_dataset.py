"""Users' own captioned images: a folder of images, ``captions.jsonl`` and split files.

Layout under ``data_root`` (see docs/data.md)::

    images/a.jpg ...
    captions.jsonl     one JSON object a line: {"image": "a.jpg", "captions": ["...", ...],
                       "class_id": 3}   (class_id optional; other keys are ignored)
    train.txt          image names of the split, one a line (optional: all images)
    vocab.json         optional; built from all captions of captions.jsonl when missing
"""
import json
import logging
import os
from typing import List, Optional, Tuple

from mmengine.logging import print_log

from mmdmgan.datasets.base_caption_dataset import BaseCaptionDataset
from mmdmgan.datasets.text_files import not_utf8_message, split_utf8_lines
from mmdmgan.datasets.vocabulary import Vocabulary, tokenize
from mmdmgan.registry import DATASETS

# Kinds of problems in the text files (see tools/data/check_dataset.py).
NOT_UTF8 = 'non-UTF-8 line'
MALFORMED_LINE = 'malformed jsonl line'
DUPLICATE = 'duplicate'
EMPTY_SPLIT = 'empty split'


def parse_captions_jsonl(path: str) -> Tuple[List[dict], List[Tuple[str, str]]]:
    """Every record of ``captions.jsonl`` and every problem, for readers and checkers.

    Args:
        path (str): The file.

    Returns:
        tuple[list[dict], list[tuple[str, str]]]: Records with ``image`` (str),
        ``captions`` (list[str]), ``class_id`` (the given one, or the record's position when
        absent) and ``line`` (its line number); and one ``(kind, message)`` per bad line,
        the message naming file and line. Kinds: ``NOT_UTF8``, ``MALFORMED_LINE`` (not a
        JSON object with the fields) and ``DUPLICATE`` (an image already given on an
        earlier line).

    Raises:
        FileNotFoundError / ValueError: When the file is missing or unreadable.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'caption file {path} not found; see docs/data.md for the '
                                'captions.jsonl layout')
    try:
        with open(path, 'rb') as file:
            lines, not_utf8 = split_utf8_lines(file.read())
    except OSError as error:
        raise ValueError(f'cannot read caption file {path} ({error})') from error
    records, problems, first_line = [], [], {}
    for number, line in enumerate(lines, start=1):
        if number in not_utf8:
            problems.append((NOT_UTF8, not_utf8_message(path, [number])))
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError('a line must be a JSON object')
            image = record['image']
            captions = record['captions']
            if isinstance(captions, str):
                captions = [captions]
            if not isinstance(image, str) or not isinstance(captions, list) or not captions:
                raise ValueError('"image" must be a string and "captions" a non-empty list')
            class_id = int(record.get('class_id', len(records)))
        except (ValueError, KeyError, TypeError) as error:
            problems.append((MALFORMED_LINE, f'{path} line {number}: {error!s}; expected '
                             '{"image": "a.jpg", "captions": ["..."], "class_id": optional '
                             'int}'))
            continue
        if image in first_line:
            problems.append((DUPLICATE, f'{path} line {number}: image {image!r} is already on '
                             f'line {first_line[image]}; give each image one line holding all '
                             'its captions'))
            continue
        first_line[image] = number
        records.append(dict(image=image, captions=[str(text) for text in captions],
                            class_id=class_id, line=number))
    return records, problems


def read_captions_jsonl(path: str, skip_bad_items: bool = False) -> List[dict]:
    """Read and check ``captions.jsonl`` (see :func:`parse_captions_jsonl`).

    Args:
        path (str): The file.
        skip_bad_items (bool): Skip bad lines (each named in the log, and counted) instead
            of failing; of an image given twice the first line is kept.

    Returns:
        list[dict]: The records.

    Raises:
        FileNotFoundError / ValueError: Naming the file and line.
    """
    records, problems = parse_captions_jsonl(path)
    problems = [message for _, message in problems]
    if problems and not skip_bad_items:
        more = (f' ({len(problems)} bad lines in all; tools/data/check_dataset.py lists them)'
                if len(problems) > 1 else '')
        raise ValueError(problems[0] + more)
    for problem in problems:
        print_log(f'skipped: {problem}', logger='current', level=logging.WARNING)
    if problems:
        print_log(f'{path}: skipped {len(problems)} bad lines', logger='current',
                  level=logging.WARNING)
    return records


def build_vocabulary_from_jsonl(path: str, min_count: int = 1) -> Vocabulary:
    """Vocabulary of every caption in a ``captions.jsonl`` (all splits, like AttnGAN)."""
    records = read_captions_jsonl(path, skip_bad_items=True)
    return Vocabulary.build((tokenize(text) for record in records
                             for text in record['captions']), min_count=min_count)


def parse_split_file(path: str) -> Tuple[List[str], List[Tuple[str, str]]]:
    """Image names listed one a line (CRLF and blank lines tolerated), and the problems as
    ``(kind, message)``: ``NOT_UTF8`` lines, ``DUPLICATE`` names (the image would weigh
    double) and an ``EMPTY_SPLIT``, each message naming the file (and line)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'split file {path} not found')
    try:
        with open(path, 'rb') as file:
            lines, not_utf8 = split_utf8_lines(file.read())
    except OSError as error:
        raise ValueError(f'cannot read split file {path} ({error})') from error
    problems = [(NOT_UTF8, not_utf8_message(path, not_utf8))] if not_utf8 else []
    names, first_line = [], {}
    for number, line in enumerate(lines, start=1):
        name = line.strip()
        if not name or number in not_utf8:
            continue
        if name in first_line:
            problems.append((DUPLICATE, f'{path} line {number}: {name!r} is already listed on '
                             f'line {first_line[name]}'))
            continue
        first_line[name] = number
        names.append(name)
    if not names and not not_utf8:
        problems.append((EMPTY_SPLIT, f'split file {path} lists no image; write one image '
                         'name a line'))
    return names, problems


def read_split_file(path: str) -> List[str]:
    """Image names listed one a line (see :func:`parse_split_file`).

    Raises:
        FileNotFoundError / ValueError: Naming the file (and line) when it is missing,
            empty, not UTF-8 or lists an image twice.
    """
    names, problems = parse_split_file(path)
    if problems:
        raise ValueError('; '.join(message for _, message in problems))
    return names


@DATASETS.register_module()
class CaptionDataset(BaseCaptionDataset):
    """Generic captioned images described by a ``captions.jsonl`` (see module docstring).

    Captions left without any vocabulary word are dropped (counted in the log, with their
    lines); an image left without captions is an error naming it (or skipped with
    ``skip_bad_items=True``). Bad lines of the jsonl or the split file (not UTF-8, malformed,
    an image given twice) are errors naming file and line, or skipped and logged with
    ``skip_bad_items=True``.

    Args:
        data_root (str): The dataset folder.
        ann_file (str): The jsonl file, relative to ``data_root``.
        split_file (str, optional): Names of this split's images, relative to
            ``data_root``; all images of the jsonl when ``None``.
        img_dir (str): Image folder relative to ``data_root``.
        vocabulary_file (str, optional): JSON vocabulary relative to ``data_root``; built
            from the jsonl (and written there, with a log line) when the file is missing;
            built in memory when ``None``.
        min_word_count (int): Words rarer than this are left out of a built vocabulary.
        **kwargs: See :class:`BaseCaptionDataset`.
    """

    def __init__(self, data_root: str, ann_file: str = 'captions.jsonl',
                 split_file: Optional[str] = None, img_dir: str = 'images',
                 vocabulary_file: Optional[str] = None, min_word_count: int = 1,
                 **kwargs) -> None:
        self.split_file = split_file
        self.img_dir = img_dir
        self.vocabulary_file = vocabulary_file
        self.min_word_count = min_word_count
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)

    def _resolve(self, path: str) -> str:
        return path if os.path.isabs(path) else os.path.join(self.data_root, path)

    def _load_vocabulary(self) -> Vocabulary:
        if self.vocabulary_file is None:
            return build_vocabulary_from_jsonl(self.ann_file, self.min_word_count)
        path = self._resolve(self.vocabulary_file)
        if os.path.isfile(path):
            return Vocabulary.load(path)
        vocabulary = build_vocabulary_from_jsonl(self.ann_file, self.min_word_count)
        vocabulary.save(path)
        print_log(f'{path} not found: built it from {self.ann_file} ({len(vocabulary)} words)',
                  logger='current', level=logging.INFO)
        return vocabulary

    def load_image_infos(self) -> List[dict]:
        records = {record['image']: record
                   for record in read_captions_jsonl(self.ann_file, self.skip_bad_items)}
        self.vocabulary = self._load_vocabulary()
        if self.split_file is None:
            names = list(records)
        else:
            split_path = self._resolve(self.split_file)
            names, problems = parse_split_file(split_path)
            problems = [message for _, message in problems]
            if problems and not self.skip_bad_items:
                raise ValueError('; '.join(problems))
            for problem in problems:
                print_log(f'skipped: {problem}', logger='current', level=logging.WARNING)
            missing = [name for name in names if name not in records]
            if missing:
                message = (f'{split_path} lists {len(missing)} images without a line in '
                           f'{self.ann_file}, e.g. {missing[:3]}')
                if not self.skip_bad_items:
                    raise ValueError(message)
                print_log(f'skipped: {message}', logger='current', level=logging.WARNING)
            names = [name for name in names if name in records]
        infos, dropped = [], []
        for name in names:
            record = records[name]
            encoded = [(self.vocabulary.tokens_to_ids(tokenize(text))[0], text)
                       for text in record['captions']]
            dropped += [(record['line'], text) for ids, text in encoded if not ids]
            encoded = [(ids, text) for ids, text in encoded if ids]
            if not encoded:
                message = (f'{self.ann_file}: image {name!r} has no caption with a '
                           'vocabulary word')
                if not self.skip_bad_items:
                    raise ValueError(message)
                print_log(f'skipped: {message}', logger='current', level=logging.WARNING)
                continue
            infos.append(dict(img_key=name, img_path=os.path.join(self.data_root, self.img_dir,
                                                                  name),
                              class_id=record['class_id'],
                              captions=[ids for ids, _ in encoded],
                              prompts=[text for _, text in encoded]))
        if dropped:
            examples = ', '.join(f'line {line}: {text!r}' for line, text in dropped[:3])
            print_log(f'{self.ann_file}: dropped {len(dropped)} captions without any vocabulary '
                      f'word ({examples})', logger='current', level=logging.WARNING)
        return infos
