"""Read pickles that hold plain data only, without running any code from the file.

``pickle.load`` calls whatever function a file names (``os.system``, ``eval``...). The
:class:`PlainDataUnpickler` resolves no global except a handful of container types, so a
pickle can only produce what the pickle opcodes build by themselves (``None``, bools,
ints, floats, str, bytes, tuples, lists, dicts) plus ``set``, ``frozenset``,
``bytearray``, ``complex`` and ``collections.OrderedDict``. That covers the AttnGAN / DM-GAN
dataset files (``filenames.pickle``: a list of str; ``class_info.pickle``: a list of int;
``captions.pickle``: ``[train_captions, test_captions, ixtoword, wordtoix]``: lists of int
lists and two dicts), written by Python 2 or 3 with protocols 0-5.
"""
import codecs
import io
import os
import pickle
from collections import OrderedDict
from typing import Any, Callable, Dict, Tuple, Union


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle names a global (function or class) outside :data:`PLAIN_DATA_GLOBALS`."""


def _latin1_encode(text: str, encoding: str = 'latin1') -> bytes:
    """``_codecs.encode`` restricted to latin1: how protocol 2 writes Python-3 ``bytes``."""
    if codecs.lookup(encoding).name != 'iso8859-1':
        raise UnsafePickleError(
            f'bytes encoded as {encoding!r}: only latin1 is allowed in a plain-data pickle')
    return codecs.encode(text, 'latin1')


#: The only globals a plain-data pickle may name: types that build data and nothing else.
PLAIN_DATA_GLOBALS: Dict[Tuple[str, str], Callable] = {
    ('builtins', 'set'): set,
    ('builtins', 'frozenset'): frozenset,
    ('builtins', 'bytearray'): bytearray,
    ('builtins', 'complex'): complex,
    ('collections', 'OrderedDict'): OrderedDict,
    ('_codecs', 'encode'): _latin1_encode,
}


class PlainDataUnpickler(pickle.Unpickler):
    """A :class:`pickle.Unpickler` that resolves only :data:`PLAIN_DATA_GLOBALS`.

    Every function or class a pickle can call or instantiate comes from ``find_class``, so
    refusing every other name there refuses every way a pickle can run code. Persistent
    ids are refused by :class:`pickle.Unpickler` itself (no ``persistent_load``).
    """

    def find_class(self, module: str, name: str) -> Any:
        if module == '__builtin__':  # Python 2's name, and protocols 0-2 of Python 3
            module = 'builtins'
        found = PLAIN_DATA_GLOBALS.get((module, name))
        if found is None:
            raise UnsafePickleError(
                f'the pickle names {module}.{name}, which is not plain data (allowed: '
                f'{", ".join(f"{m}.{n}" for m, n in PLAIN_DATA_GLOBALS)})')
        return found


def loads_plain_data(data: bytes, encoding: str = 'latin1') -> Any:
    """Unpickle ``data`` with :class:`PlainDataUnpickler`.

    ``encoding='latin1'`` decodes Python-2 byte strings losslessly (AttnGAN's files).

    Raises:
        UnsafePickleError: The pickle names a global that is not plain data.
        pickle.UnpicklingError, EOFError, ...: The data is not a valid pickle.
    """
    return PlainDataUnpickler(io.BytesIO(data), encoding=encoding).load()


def load_plain_data_pickle(path: Union[str, os.PathLike], encoding: str = 'latin1') -> Any:
    """Load a plain-data pickle file; errors name the file.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``path`` names code (an :class:`UnsafePickleError` is the cause) or is
            not a complete pickle.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    with open(path, 'rb') as file:
        data = file.read()
    try:
        return loads_plain_data(data, encoding)
    except UnsafePickleError as error:
        raise ValueError(f'{path} is refused: {error}. Only lists, dicts, tuples, sets, '
                         'strings, bytes and numbers are read from pickles') from error
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, MemoryError, UnicodeDecodeError) as error:
        raise ValueError(f'{path} is not a readable pickle ({type(error).__name__}: '
                         f'{error})') from error
