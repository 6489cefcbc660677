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
from typing import List, Optional

from mmengine.logging import print_log

from mmdmgan.datasets.base_caption_dataset import BaseCaptionDataset
from mmdmgan.datasets.vocabulary import Vocabulary, tokenize
from mmdmgan.registry import DATASETS


def read_captions_jsonl(path: str, skip_bad_items: bool = False) -> List[dict]:
    """Read and check ``captions.jsonl``.

    Args:
        path (str): The file.
        skip_bad_items (bool): Skip malformed lines (counted in the log) instead of failing.

    Returns:
        list[dict]: Records with ``image`` (str), ``captions`` (list[str]) and ``class_id``
        (the given one, or the record's line position when absent).

    Raises:
        FileNotFoundError / ValueError: Naming the file and line.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'caption file {path} not found; see docs/data.md for the '
                                'captions.jsonl layout')
    records, skipped = [], 0
    try:
        with open(path, 'rb') as file:
            lines = file.read().decode('utf-8', errors='replace').splitlines()
    except OSError as error:
        raise ValueError(f'cannot read caption file {path} ({error})') from error
    for number, line in enumerate(lines, start=1):
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
            message = (f'{path} line {number}: {error!s}; expected {{"image": "a.jpg", '
                       '"captions": ["..."], "class_id": optional int}')
            if not skip_bad_items:
                raise ValueError(message) from error
            skipped += 1
            print_log(f'skipped: {message}', logger='current', level=logging.WARNING)
            continue
        records.append(dict(image=image, captions=[str(text) for text in captions],
                            class_id=class_id))
    if skipped:
        print_log(f'{path}: skipped {skipped} bad lines', logger='current',
                  level=logging.WARNING)
    return records


def build_vocabulary_from_jsonl(path: str, min_count: int = 1) -> Vocabulary:
    """Vocabulary of every caption in a ``captions.jsonl`` (all splits, like AttnGAN)."""
    records = read_captions_jsonl(path, skip_bad_items=True)
    return Vocabulary.build((tokenize(text) for record in records
                             for text in record['captions']), min_count=min_count)


def read_split_file(path: str) -> List[str]:
    """Image names listed one a line (CRLF and blank lines tolerated)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'split file {path} not found')
    with open(path, encoding='utf-8', errors='replace') as file:
        return [line.strip() for line in file if line.strip()]


@DATASETS.register_module()
class CaptionDataset(BaseCaptionDataset):
    """Generic captioned images described by a ``captions.jsonl`` (see module docstring).

    Captions left without any vocabulary word are dropped; an image left without
    captions is an error naming it (or skipped with ``skip_bad_items=True``).

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
        self.vocabulary = self._load_vocabulary()
        records = {record['image']: record
                   for record in read_captions_jsonl(self.ann_file, self.skip_bad_items)}
        if self.split_file is None:
            names = list(records)
        else:
            split_path = self._resolve(self.split_file)
            names = read_split_file(split_path)
            missing = [name for name in names if name not in records]
            if missing:
                message = (f'{split_path} lists {len(missing)} images without a line in '
                           f'{self.ann_file}, e.g. {missing[:3]}')
                if not self.skip_bad_items:
                    raise ValueError(message)
                print_log(f'skipped: {message}', logger='current', level=logging.WARNING)
            names = [name for name in names if name in records]
        infos = []
        for name in names:
            record = records[name]
            encoded = [(self.vocabulary.tokens_to_ids(tokenize(text))[0], text)
                       for text in record['captions']]
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
        return infos
