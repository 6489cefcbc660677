"""CUB-200-2011 and MS-COCO 2014 in the folder layout prepared for AttnGAN / DM-GAN.

Layout under ``data_root`` (see docs/data.md)::

    captions.pickle                 [train_captions, test_captions, ixtoword, wordtoix]
    train/filenames.pickle          list of image keys; test/ likewise
    train/class_info.pickle         CUB only: list of class ids, one per key
    text/<key>.txt                  captions, one per line (10 for CUB, 5 for COCO)
    CUB_200_2011/images/<key>.jpg   CUB, with CUB_200_2011/{images.txt,bounding_boxes.txt}
    images/<key>.jpg                COCO (train2014 and val2014 merged)

The pickles were written by Python 2 (protocol 2) and are read with ``encoding='latin1'``.
"""
import logging
import os
import pickle
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log

from mmdmgan.datasets.base_caption_dataset import BaseCaptionDataset
from mmdmgan.datasets.text_files import read_utf8_lines
from mmdmgan.datasets.vocabulary import Vocabulary, as_text, tokenize
from mmdmgan.registry import DATASETS
from mmdmgan.utils.safe_pickle import load_plain_data_pickle

SPLITS = ('train', 'test')


def load_legacy_pickle(path: str):
    """Load a dataset pickle that Python 2 may have written (byte strings decoded as latin1).

    Read with :class:`~mmdmgan.utils.safe_pickle.PlainDataUnpickler`: only containers,
    strings and numbers, so a tampered file cannot run code.

    Raises:
        FileNotFoundError: Naming the missing file.
        ValueError: Naming the file when it is not a readable plain-data pickle.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path} not found; prepare the dataset as described in '
                                'docs/data.md (tools/data/check_dataset.py lists what is missing)')
    try:
        return load_plain_data_pickle(path)
    except ValueError as error:
        raise ValueError(f'{error}; restore it from the original dataset archive') from error


def detect_layout(data_root: str) -> str:
    """``'cub'`` (has ``CUB_200_2011/``), ``'jsonl'`` (has ``captions.jsonl``) or ``'coco'``."""
    if os.path.isdir(os.path.join(data_root, 'CUB_200_2011')):
        return 'cub'
    if os.path.isfile(os.path.join(data_root, 'captions.jsonl')):
        return 'jsonl'
    return 'coco'


def load_filenames(data_root: str, split: str) -> List[str]:
    """The image keys of a split from ``<data_root>/<split>/filenames.pickle``."""
    path = os.path.join(data_root, split, 'filenames.pickle')
    return [as_text(name) for name in load_legacy_pickle(path)]


def read_caption_file(path: str, captions_per_image: int) -> List[List[str]]:
    """Tokenized captions of one ``text/<key>.txt`` file, exactly ``captions_per_image``.

    Lines may end in CRLF; mojibake is repaired by the tokenizer, but bytes that are not
    UTF-8 are an error naming the line (as in the reference, which decodes the files as
    UTF-8). Blank lines and lines without words are ignored. Files with more
    captions keep the first ones; files with fewer repeat theirs cyclically (with a
    warning) so the flat caption list stays aligned with the image order.

    Raises:
        FileNotFoundError / ValueError: Naming the file when it is missing, unreadable,
            not UTF-8 (and the line) or holds no caption.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'caption file {path} not found')
    captions = [tokens for tokens in map(tokenize, read_utf8_lines(path)) if tokens]
    if not captions:
        raise ValueError(f'caption file {path} contains no caption')
    if len(captions) < captions_per_image:
        print_log(f'{path} has {len(captions)} captions, expected {captions_per_image}; '
                  'repeating them', logger='current', level=logging.WARNING)
        captions = [captions[index % len(captions)] for index in range(captions_per_image)]
    return captions[:captions_per_image]


def build_captions_pickle(data_root: str, captions_per_image: int,
                          out_file: Optional[str] = None) -> str:
    """Tokenize ``text/`` into AttnGAN's ``captions.pickle`` (protocol 2).

    The vocabulary covers train and test captions, words numbered by first use (train
    first), index 0 ``'<end>'``.

    Args:
        data_root (str): Dataset folder with ``train/``, ``test/`` and ``text/``.
        captions_per_image (int): 10 for CUB, 5 for COCO.
        out_file (str, optional): Output path; ``<data_root>/captions.pickle`` by default.

    Returns:
        str: The path written.
    """
    tokenized: Dict[str, List[List[str]]] = {}
    for split in SPLITS:
        tokenized[split] = [
            caption for key in load_filenames(data_root, split)
            for caption in read_caption_file(os.path.join(data_root, 'text', f'{key}.txt'),
                                             captions_per_image)
        ]
    vocabulary = Vocabulary.build(tokenized['train'] + tokenized['test'])
    ids = {split: [vocabulary.tokens_to_ids(caption)[0] for caption in captions]
           for split, captions in tokenized.items()}
    out_file = out_file or os.path.join(data_root, 'captions.pickle')
    with open(out_file, 'wb') as file:
        pickle.dump([ids['train'], ids['test'], vocabulary.ixtoword, vocabulary.wordtoix], file,
                    protocol=2)
    return out_file


def load_captions_pickle(path: str) -> Tuple[List[List[int]], List[List[int]], Vocabulary]:
    """Read ``captions.pickle`` into (train token ids, test token ids, vocabulary)."""
    content = load_legacy_pickle(path)
    if not isinstance(content, (list, tuple)) or len(content) < 4:
        raise ValueError(f'{path} should hold [train_captions, test_captions, ixtoword, '
                         f'wordtoix], found {type(content).__name__}')
    train, test, ixtoword, wordtoix = content[:4]
    try:
        vocabulary = Vocabulary(ixtoword, wordtoix)
    except ValueError as error:
        raise ValueError(f'{path}: {error}') from error
    return _int_lists(train), _int_lists(test), vocabulary


def _int_lists(captions) -> List[List[int]]:
    return [[int(index) for index in caption] for caption in captions]


class AttnGANDataset(BaseCaptionDataset):
    """Shared loader of the AttnGAN layout; :class:`CUBDataset` and :class:`COCODataset`
    fill in where the images are and what the class ids are.

    Args:
        data_root (str): The dataset folder (``data/birds`` or ``data/coco``).
        split (str): ``'train'`` or ``'test'``.
        captions_per_image (int): Captions per image in ``captions.pickle``.
        captions_file (str): The captions pickle, relative to ``data_root`` (some releases
            name theirs differently, e.g. ``captions_DAMSM.pickle``); built from ``text/``
            when missing.
        **kwargs: See :class:`BaseCaptionDataset` (``pipeline``, ``mismatch``,
            ``skip_bad_items``, ``test_mode`` ...).
    """

    def __init__(self, data_root: str, split: str = 'train', captions_per_image: int = 10,
                 captions_file: str = 'captions.pickle', **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        self.split = split
        self.captions_per_image = captions_per_image
        self.captions_file = captions_file
        super().__init__(data_root=data_root, **kwargs)

    def image_path(self, key: str) -> str:
        raise NotImplementedError

    def load_class_ids(self, keys: Sequence[str]) -> List[int]:
        raise NotImplementedError

    def load_bboxes(self) -> Dict[str, List[float]]:
        """Bounding boxes by image key; none by default."""
        return {}

    def load_image_infos(self) -> List[dict]:
        path = os.path.join(self.data_root, self.captions_file)
        if not os.path.isfile(path):
            print_log(f'{path} not found: building it from {self.data_root}/text/',
                      logger='current', level=logging.INFO)
            build_captions_pickle(self.data_root, self.captions_per_image, path)
        train, test, self.vocabulary = load_captions_pickle(path)
        captions = train if self.split == 'train' else test
        keys = load_filenames(self.data_root, self.split)
        if len(captions) != len(keys) * self.captions_per_image:
            raise ValueError(f'{path} holds {len(captions)} {self.split} captions but '
                             f'{self.split}/filenames.pickle lists {len(keys)} images × '
                             f'captions_per_image={self.captions_per_image}; set '
                             'captions_per_image to match or rebuild the pickle')
        class_ids = self.load_class_ids(keys)
        bboxes = self.load_bboxes()
        infos = []
        per_image = self.captions_per_image
        for index, key in enumerate(keys):
            image_captions = captions[index * per_image:(index + 1) * per_image]
            info = dict(img_key=key, img_path=self.image_path(key),
                        class_id=int(class_ids[index]), captions=image_captions,
                        prompts=[self.vocabulary.decode(ids) for ids in image_captions])
            if bboxes:
                if key not in bboxes:
                    raise ValueError(f'no bounding box for {key} in '
                                     f'{self.data_root}/CUB_200_2011/bounding_boxes.txt')
                info['bbox'] = bboxes[key]
            infos.append(info)
        return infos


@DATASETS.register_module()
class CUBDataset(AttnGANDataset):
    """CUB-200-2011 birds (``data/birds``): 10 captions per image, 200 classes, and the
    bird's bounding box in ``bbox`` (``CropAroundBBox`` crops the 1.5× square).

    Args:
        data_root (str): Folder holding ``captions.pickle``, ``train/``, ``test/``,
            ``text/`` and ``CUB_200_2011/``.
        split (str): ``'train'`` or ``'test'``.
        captions_per_image (int): 10 in the released data.
        **kwargs: See :class:`BaseCaptionDataset`.
    """

    def __init__(self, data_root: str = 'data/birds', split: str = 'train',
                 captions_per_image: int = 10, **kwargs) -> None:
        super().__init__(data_root=data_root, split=split,
                         captions_per_image=captions_per_image, **kwargs)

    def image_path(self, key: str) -> str:
        return os.path.join(self.data_root, 'CUB_200_2011', 'images', f'{key}.jpg')

    def load_class_ids(self, keys: Sequence[str]) -> List[int]:
        path = os.path.join(self.data_root, self.split, 'class_info.pickle')
        class_ids = [int(value) for value in load_legacy_pickle(path)]
        if len(class_ids) != len(keys):
            raise ValueError(f'{path} has {len(class_ids)} entries but filenames.pickle '
                             f'lists {len(keys)} images')
        return class_ids

    def load_bboxes(self) -> Dict[str, List[float]]:
        cub_dir = os.path.join(self.data_root, 'CUB_200_2011')
        images = _read_indexed_lines(os.path.join(cub_dir, 'images.txt'))
        boxes = _read_indexed_lines(os.path.join(cub_dir, 'bounding_boxes.txt'))
        bboxes = {}
        for image_id, fields in images.items():
            if image_id not in boxes:
                raise ValueError(f'image id {image_id} of {cub_dir}/images.txt has no line in '
                                 'bounding_boxes.txt')
            key = os.path.splitext(fields[0])[0]
            bboxes[key] = [float(value) for value in boxes[image_id][:4]]
        return bboxes


def _read_indexed_lines(path: str) -> Dict[str, List[str]]:
    """``<id> <field> ...`` lines (CUB's metadata) by id; CRLF tolerated."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path} not found; it ships with CUB_200_2011.tgz')
    rows = {}
    for number, line in enumerate(read_utf8_lines(path), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 2:
            raise ValueError(f'{path} line {number}: expected "<id> <values>", got {line!r}')
        rows[fields[0]] = fields[1:]
    return rows


@DATASETS.register_module()
class COCODataset(AttnGANDataset):
    """MS-COCO 2014 (``data/coco``): 5 captions per image, all images in ``images/``.

    COCO has no classes here: the item index is the class id (as in the reference), so a
    mismatched caption is any other image's.

    Args:
        data_root (str): Folder holding ``captions.pickle``, ``train/``, ``test/``,
            ``text/`` and ``images/``.
        split (str): ``'train'`` or ``'test'`` (the reference's names; test is val2014).
        captions_per_image (int): 5 in the released data.
        **kwargs: See :class:`BaseCaptionDataset`.
    """

    def __init__(self, data_root: str = 'data/coco', split: str = 'train',
                 captions_per_image: int = 5, **kwargs) -> None:
        super().__init__(data_root=data_root, split=split,
                         captions_per_image=captions_per_image, **kwargs)

    def image_path(self, key: str) -> str:
        return os.path.join(self.data_root, 'images', f'{key}.jpg')

    def load_class_ids(self, keys: Sequence[str]) -> List[int]:
        return list(range(len(keys)))
