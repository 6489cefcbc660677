"""Dataset pickles are read as plain data: AttnGAN's files load, code in a file never runs."""
import os
import pickle
import subprocess
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from mmdmgan.datasets import load_captions_pickle, load_legacy_pickle
from mmdmgan.utils.safe_pickle import UnsafePickleError, load_plain_data_pickle, loads_plain_data
from tests.conftest import load_script

ENV_FLAG = 'MMDMGAN_TEST_PICKLE_PAYLOAD_RAN'


class Reduce:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def trace_code(marker) -> str:
    return (f"__import__('os').environ.__setitem__({ENV_FLAG!r}, '1'); "
            f"open({str(marker)!r}, 'w').close()")


PAYLOADS = {
    'os_system': lambda marker: Reduce(os.system, f'touch {marker}'),
    'subprocess': lambda marker: Reduce(subprocess.call, ['touch', str(marker)]),
    'eval': lambda marker: Reduce(eval, f'exec({trace_code(marker)!r})'),
    'numpy_object_array': lambda marker: np.array([Reduce(exec, trace_code(marker))],
                                                  dtype=object),
}


class CallableReduce(Reduce):
    def __call__(self):  # pickle insists that the func of a reduce is callable
        raise AssertionError


PAYLOADS['getattr_builtins'] = lambda marker: Reduce(
    CallableReduce(getattr, CallableReduce(getattr, getattr, '__self__'), 'exec'),
    trace_code(marker))


@pytest.mark.parametrize('protocol', [0, 2, 5])
@pytest.mark.parametrize('kind', sorted(PAYLOADS))
@pytest.mark.parametrize('name', ['filenames.pickle', 'captions.pickle'])
def test_malicious_dataset_pickle_is_refused_without_a_trace(tmp_path, monkeypatch, kind,
                                                             protocol, name):
    monkeypatch.delenv(ENV_FLAG, raising=False)
    marker = tmp_path / 'payload_ran'
    path = tmp_path / name
    # Hidden inside the expected layout: the payload is one caption of the training split.
    payload = PAYLOADS[kind](marker)
    content = ([[[1, 2], payload], [[3]], {1: 'a'}, {'a': 1}] if name == 'captions.pickle'
               else ['key', payload])
    path.write_bytes(pickle.dumps(content, protocol=protocol))
    loader = load_captions_pickle if name == 'captions.pickle' else load_legacy_pickle
    with pytest.raises(ValueError, match=f'{name} is refused: the pickle names'):
        loader(str(path))
    assert not marker.exists() and ENV_FLAG not in os.environ


def test_payload_runs_under_plain_pickle(tmp_path):
    """Positive control: the same bytes run their code with ``pickle.load``."""
    marker = tmp_path / 'payload_ran'
    pickle.loads(pickle.dumps([PAYLOADS['os_system'](marker)], protocol=2))
    assert marker.exists()


def test_attngan_captions_pickle_round_trip(tmp_path):
    """What AttnGAN's build_dictionary writes: token-id lists and the two dicts."""
    content = [[[1, 2, 3], [4]], [[2, 2]], {0: '<end>', 1: 'bird', 2: 'na\xefve'},
               {'<end>': 0, 'bird': 1, 'na\xefve': 2}]
    path = tmp_path / 'captions.pickle'
    path.write_bytes(pickle.dumps(content, protocol=2))
    assert load_plain_data_pickle(path) == content
    train, test, vocabulary = load_captions_pickle(str(path))
    assert train == [[1, 2, 3], [4]] and test == [[2, 2]] and len(vocabulary) == 3


def test_python2_pickle_with_byte_strings_and_longs(tmp_path):
    """Bytes from a Python-2 writer: ``str`` as SHORT_BINSTRING (latin1), longs, tuples."""
    # pickle.dumps(['caf\xe9', 10L**20, (1, 2.5)], 2) as Python 2 writes it.
    data = (b'\x80\x02]q\x00(U\x04caf\xe9q\x01\x8a\t\x00\x00\x10c-^\xc7k\x05K\x01G@\x04\x00'
            b'\x00\x00\x00\x00\x00\x86q\x02e.')
    assert loads_plain_data(data) == ['caf\xe9', 10 ** 20, (1, 2.5)]


def test_plain_containers_load():
    value = [{1, 2}, frozenset({3}), bytearray(b'x'), b'raw', 1 + 2j, OrderedDict(a=1), None,
             True, 1.5]
    for protocol in (0, 2, 5):
        assert loads_plain_data(pickle.dumps(value, protocol=protocol)) == value


def test_refusal_names_the_global():
    with pytest.raises(UnsafePickleError, match='posix.system|os.system'):
        loads_plain_data(pickle.dumps(Reduce(os.system, 'true'), protocol=2))
    with pytest.raises(UnsafePickleError, match='latin1'):
        loads_plain_data(pickle.dumps(Reduce(__import__('_codecs').encode, 'x', 'rot13'),
                                      protocol=2))


def test_broken_pickle_names_the_file(tmp_path):
    path = tmp_path / 'broken.pickle'
    path.write_bytes(b'\x80\x02]q\x00(K\x01')
    with pytest.raises(ValueError, match='broken.pickle is not a readable pickle'):
        load_plain_data_pickle(path)


def test_check_dataset_tool_refuses_a_malicious_filenames_pickle(tmp_path, cub_root, capsys):
    """tools/data/check_dataset.py reads the pickles through the same loader."""
    marker = tmp_path / 'payload_ran'
    evil = Path(cub_root) / 'train' / 'filenames.pickle'
    evil.write_bytes(pickle.dumps([PAYLOADS['os_system'](marker)], protocol=2))
    assert load_script('tools/data/check_dataset.py').main([cub_root]) == 1
    assert 'filenames.pickle is refused' in capsys.readouterr().out
    assert not marker.exists()
