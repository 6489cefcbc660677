"""Small fake CUB- and COCO-shaped folders, written with Python-2 style pickles.

Images are PNG data under ``.jpg`` names (PIL reads by content), with pixel (x, y) holding
the colour (x, y, 77), so crops can be checked exactly from the pixels.
"""
import contextlib
import logging
import os
import struct

import numpy as np
import pytest
from mmengine.logging import MMLogger
from PIL import Image

CUB_TRAIN = ['001.Black_footed_Albatross/Black_Footed_Albatross_0001_1',
             '001.Black_footed_Albatross/Black_Footed_Albatross_0002_2',
             '002.Laysan_Albatross/Laysan_Albatross_0003_3']
CUB_TEST = ['002.Laysan_Albatross/Laysan_Albatross_0004_4',
            '001.Black_footed_Albatross/Black_Footed_Albatross_0005_5']
CUB_CLASSES = {'train': [1, 1, 2], 'test': [2, 1]}
# (x, y, w, h) per image of CUB_TRAIN + CUB_TEST; the third one touches the border.
CUB_BBOXES = [(40.0, 30.0, 60.0, 40.0), (10.0, 20.0, 50.0, 50.0), (0.0, 0.0, 100.0, 80.0),
              (30.0, 30.0, 40.0, 40.0), (20.0, 10.0, 30.0, 60.0)]
CUB_SIZE = (160, 120)  # width, height
COCO_TRAIN = ['COCO_train2014_000000000009', 'COCO_train2014_000000000025',
              'COCO_train2014_000000000030']
COCO_TEST = ['COCO_val2014_000000000042', 'COCO_val2014_000000000073']
COCO_SIZE = (200, 150)

BIRD_WORDS = ['this', 'bird', 'has', 'a', 'red', 'crown', 'and', 'white', 'belly', 'small',
              'with', 'black', 'wings', 'long', 'beak', 'the', 'is', 'grey', 'yellow', 'tail']


def py2_pickle(obj) -> bytes:
    """Pickle ``obj`` the way Python 2's cPickle (protocol 2) does: its ``str`` values
    (given here as Python-3 ``bytes`` or ``str``, stored as latin1 byte strings) use the
    BINSTRING opcodes, which Python 3 can only read with ``encoding='latin1'``."""
    def dump(value) -> bytes:
        if isinstance(value, bool) or value is None:
            raise TypeError('not needed by the fixtures')
        if isinstance(value, int):
            return b'J' + struct.pack('<i', value)
        if isinstance(value, str):
            value = value.encode('latin1')
        if isinstance(value, bytes):
            if len(value) < 256:
                return b'U' + bytes([len(value)]) + value
            return b'T' + struct.pack('<i', len(value)) + value
        if isinstance(value, list):
            return b']' + (b'(' + b''.join(map(dump, value)) + b'e' if value else b'')
        if isinstance(value, dict):
            items = b''.join(dump(key) + dump(item) for key, item in value.items())
            return b'}' + (b'(' + items + b'u' if value else b'')
        raise TypeError(type(value))
    return b'\x80\x02' + dump(obj) + b'.'


def write_py2_pickle(path: str, obj) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as file:
        file.write(py2_pickle(obj))


def coordinate_image(width: int, height: int) -> np.ndarray:
    """RGB image whose pixel (x, y) is (x, y, 77)."""
    xs, ys = np.meshgrid(np.arange(width), np.arange(height))
    return np.stack([xs, ys, np.full_like(xs, 77)], axis=-1).astype(np.uint8)


def _save_image(path: str, width: int, height: int) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(coordinate_image(width, height)).save(path, format='PNG')


def _bird_captions(rng: np.random.Generator, count: int) -> list:
    captions = []
    for number in range(count):
        length = 25 if number == 0 else int(rng.integers(4, 12))  # one long caption each
        captions.append(' '.join(rng.choice(BIRD_WORDS, length)))
    return captions


def _write_text(root: str, key: str, captions: list, crlf: bool) -> None:
    path = os.path.join(root, 'text', f'{key}.txt')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    newline = '\r\n' if crlf else '\n'
    with open(path, 'w', encoding='utf-8', newline='') as file:
        file.write(newline.join(captions) + newline + newline)  # a trailing blank line too


def make_text_folder(root: str, splits: dict, captions_per_image: int, seed: int = 0) -> dict:
    """text/<key>.txt for every key (CRLF for odd images); returns captions by key."""
    rng = np.random.default_rng(seed)
    captions = {}
    for number, key in enumerate(key for keys in splits.values() for key in keys):
        captions[key] = _bird_captions(rng, captions_per_image)
        _write_text(root, key, captions[key], crlf=number % 2 == 1)
    return captions


def make_fake_cub(root: str, with_pickle: bool = True) -> dict:
    """A CUB folder with 3 train / 2 test images of two classes, 10 captions each."""
    splits = {'train': CUB_TRAIN, 'test': CUB_TEST}
    for split, keys in splits.items():
        write_py2_pickle(os.path.join(root, split, 'filenames.pickle'), list(keys))
        write_py2_pickle(os.path.join(root, split, 'class_info.pickle'), CUB_CLASSES[split])
    cub = os.path.join(root, 'CUB_200_2011')
    all_keys = CUB_TRAIN + CUB_TEST
    for key in all_keys:
        _save_image(os.path.join(cub, 'images', f'{key}.jpg'), *CUB_SIZE)
    with open(os.path.join(cub, 'images.txt'), 'w', newline='') as file:
        file.write(''.join(f'{number} {key}.jpg\r\n' for number, key in enumerate(all_keys, 1)))
    with open(os.path.join(cub, 'bounding_boxes.txt'), 'w') as file:
        file.write(''.join(f'{number} {x} {y} {w} {h}\n'
                           for number, (x, y, w, h) in enumerate(CUB_BBOXES, 1)))
    captions = make_text_folder(root, splits, 10)
    if with_pickle:
        write_attngan_pickle(root, splits, captions, 10)
    return captions


def make_fake_coco(root: str, with_pickle: bool = True) -> dict:
    """A COCO folder with 3 train / 2 test images, 5 captions each (Python-2 pickles)."""
    splits = {'train': COCO_TRAIN, 'test': COCO_TEST}
    for split, keys in splits.items():
        write_py2_pickle(os.path.join(root, split, 'filenames.pickle'), list(keys))
        for key in keys:
            _save_image(os.path.join(root, 'images', f'{key}.jpg'), *COCO_SIZE)
    captions = make_text_folder(root, splits, 5, seed=1)
    if with_pickle:
        write_attngan_pickle(root, splits, captions, 5)
    return captions


def write_attngan_pickle(root: str, splits: dict, captions: dict, per_image: int) -> dict:
    """captions.pickle as the reference writes it, plus an unused latin1 word ('naïve')."""
    words = ['<end>'] + BIRD_WORDS + ['na\xefve']
    wordtoix = {word: index for index, word in enumerate(words)}
    ids = {split: [[wordtoix[word] for word in caption.split()]
                   for key in keys for caption in captions[key][:per_image]]
           for split, keys in splits.items()}
    write_py2_pickle(os.path.join(root, 'captions.pickle'),
                     [ids['train'], ids['test'], dict(enumerate(words)), wordtoix])
    return wordtoix


class LogCollector(logging.Handler):
    """Collects the messages of MMEngine's current logger (which bypasses caplog/capsys)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f'{record.levelname}: {record.getMessage()}')

    @property
    def text(self) -> str:
        return '\n'.join(self.messages)


@contextlib.contextmanager
def collect_mmengine_logs():
    logger = MMLogger.get_current_instance()
    collector = LogCollector()
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


@pytest.fixture
def cub_root(tmp_path):
    root = tmp_path / 'birds'
    make_fake_cub(str(root))
    return str(root)


@pytest.fixture
def coco_root(tmp_path):
    root = tmp_path / 'coco'
    make_fake_coco(str(root))
    return str(root)


@pytest.fixture
def mmengine_logs():
    with collect_mmengine_logs() as collector:
        yield collector
