"""Loading a checkpoint never runs code from the file.

Each malicious file tries to leave a trace (a marker file and an environment variable); the
tests assert that loading fails through every entry point and that no trace appears. The
positive controls show that the same files do run their code under the loader this project
used before (``builtins.getattr`` allowlisted) or under a plain ``pickle.load``.
"""
import io
import os
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint
from numpy.testing._private.utils import runstring

import mmdmgan  # noqa: F401  (registers the safe loader for MMEngine)
from mmdmgan.apis import init_model
from mmdmgan.engine.checkpoint import (
    IncompleteCheckpointError,
    UnsafeCheckpointError,
    load_checkpoint_file,
)
from tests.conftest import REPO, TEST_CONFIGS

ENV_FLAG = 'MMDMGAN_TEST_PAYLOAD_RAN'


def trace_code(marker) -> str:
    """Python source that leaves both traces."""
    return (f"__import__('os').environ.__setitem__({ENV_FLAG!r}, '1'); "
            f"open({str(marker)!r}, 'w').close()")


class Reduce:
    """Pickles as ``func(*args)``: the ``__reduce__`` route to running code."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args

    def __call__(self):  # pickle insists that the func of a reduce is callable
        raise AssertionError('never called while pickling')


def getattr_gadget(code: str):
    """The getattr route: ``getattr(getattr(getattr, '__self__'), 'exec')(code)``.

    ``getattr.__self__`` is the ``builtins`` module, so with ``builtins.getattr`` allowed any
    builtin (``exec``, ``eval``, ``__import__``, the module's ``__dict__``) is one step away.
    """
    builtins_module = Reduce(getattr, getattr, '__self__')
    return Reduce(Reduce(getattr, builtins_module, 'exec'), code)


def getattr_exploit(code: str) -> bytes:
    """The attack on the former allowlist (``builtins.getattr`` and ``HistoryBuffer``), as
    raw pickle opcodes: ``getattr(getattr, '__self__')`` is the builtins module; its
    ``__dict__`` gets ``len = exec``; ``HistoryBuffer(code, '')`` then calls ``len(code)``.
    Read by torch as the "magic number" of its legacy format, before any check. (Values
    stay on the stack: torch's unpickler has no POP.)"""
    def global_(module, name):
        return b'c' + module.encode() + b'\n' + name.encode() + b'\n'

    def text(value):
        data = value.encode()
        return b'X' + struct.pack('<I', len(data)) + data

    getattr_ = global_('builtins', 'getattr')
    builtins_module = b'h\x01'  # BINGET 1
    return (b'\x80\x02'
            + getattr_ + getattr_ + text('__self__') + b'\x86R' + b'q\x01'  # memo 1
            + getattr_ + builtins_module + text('__dict__') + b'\x86R'
            + text('len') + getattr_ + builtins_module + text('exec') + b'\x86R' + b's'
            + global_('mmengine.logging.history_buffer', 'HistoryBuffer')
            + text(code) + text('') + b'\x86R' + b'.')


def history_buffer_gadget(code: str) -> HistoryBuffer:
    """MMEngine's type as a gadget: ``HistoryBuffer.__setstate__`` merges the file's
    ``statistics_methods`` into the CLASS-level method table of every buffer in the process
    (here: ``mean`` replaced by a string, so every later log line fails)."""
    buffer = HistoryBuffer()
    buffer._log_history, buffer._count_history = [], []  # no numpy needed
    buffer._statistics_methods = {'mean': code}  # __getstate__ pickles this table
    return buffer


PAYLOADS = {
    'reduce_os_system': lambda marker: Reduce(os.system, f'touch {marker}'),
    'reduce_eval': lambda marker: Reduce(eval, f'exec({trace_code(marker)!r})'),
    'reduce_subprocess': lambda marker: Reduce(
        __import__('subprocess').call, ['touch', str(marker)]),
    'getattr_builtins': lambda marker: getattr_gadget(trace_code(marker)),
    'numpy_runstring': lambda marker: Reduce(runstring, trace_code(marker), {}),
    'numpy_object_array': lambda marker: np.array([Reduce(exec, trace_code(marker))],
                                                  dtype=object),
    'mmengine_history_buffer': lambda marker: history_buffer_gadget(trace_code(marker)),
    'mmengine_import_modules': lambda marker: Reduce(
        __import__('mmengine.utils.misc', fromlist=['x']).import_modules_from_strings,
        ['this_module_does_not_exist_but_the_call_would_import_anything']),
}


def write_checkpoint(path, payload) -> str:
    """A torch zip checkpoint whose ``meta`` holds the payload next to real weights."""
    torch.save(dict(state_dict={'generator.weight': torch.ones(2)}, meta=dict(x=payload)),
               str(path))
    return str(path)


def write_raw_pickle(path, payload) -> str:
    """A bare protocol-2 pickle (torch's legacy, non-zip format path)."""
    with open(path, 'wb') as file:
        pickle.dump(dict(state_dict={}, meta=payload), file, protocol=2)
    return str(path)


@pytest.fixture
def no_trace(tmp_path, monkeypatch):
    """The marker path; asserts afterwards that no payload left a trace."""
    monkeypatch.delenv(ENV_FLAG, raising=False)
    HistoryBuffer()  # registers the default methods, as the first buffer of a run does
    statistics = dict(HistoryBuffer._statistics_methods)
    marker = tmp_path / 'payload_ran'
    yield marker
    assert not marker.exists(), 'the payload ran: it created its marker file'
    assert ENV_FLAG not in os.environ, 'the payload ran: it set its environment variable'
    assert HistoryBuffer._statistics_methods == statistics, 'HistoryBuffer was poisoned'


@pytest.mark.parametrize('kind', sorted(PAYLOADS))
@pytest.mark.parametrize('writer', [write_checkpoint, write_raw_pickle])
def test_malicious_checkpoint_is_refused_by_the_loader(tmp_path, no_trace, kind, writer):
    path = writer(tmp_path / 'evil.pth', PAYLOADS[kind](no_trace))
    with pytest.raises(UnsafeCheckpointError, match='evil.pth is refused'):
        load_checkpoint_file(path)


@pytest.mark.parametrize('kind', sorted(PAYLOADS))
def test_malicious_checkpoint_is_refused_by_mmengine_load_from_and_resume(tmp_path, no_trace,
                                                                          kind):
    # Runner.load_checkpoint / Runner.resume read files through _load_checkpoint.
    path = write_checkpoint(tmp_path / 'evil.pth', PAYLOADS[kind](no_trace))
    with pytest.raises(UnsafeCheckpointError, match='evil.pth is refused'):
        _load_checkpoint(path, map_location='cpu')


@pytest.mark.parametrize('kind', ['reduce_os_system', 'getattr_builtins', 'numpy_runstring',
                                  'mmengine_history_buffer'])
def test_malicious_checkpoint_is_refused_by_init_model(tmp_path, no_trace, kind, monkeypatch):
    monkeypatch.syspath_prepend(str(TEST_CONFIGS))  # tiny_modules, imported by the config
    path = write_checkpoint(tmp_path / 'evil.pth', PAYLOADS[kind](no_trace))
    with pytest.raises(UnsafeCheckpointError, match='evil.pth is refused'):
        init_model(str(TEST_CONFIGS / 'dmgan_tiny.py'), path)


@pytest.fixture
def getattr_exploit_file(tmp_path, no_trace):
    path = tmp_path / 'evil.pth'
    path.write_bytes(getattr_exploit(trace_code(no_trace)))
    return str(path)


def test_getattr_exploit_is_refused_by_every_loader(getattr_exploit_file, monkeypatch):
    monkeypatch.syspath_prepend(str(TEST_CONFIGS))
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        load_checkpoint_file(getattr_exploit_file)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth is refused'):
        _load_checkpoint(getattr_exploit_file, map_location='cpu')
    with pytest.raises(UnsafeCheckpointError, match='evil.pth is refused'):
        init_model(str(TEST_CONFIGS / 'dmgan_tiny.py'), getattr_exploit_file)


def test_getattr_exploit_runs_under_the_former_allowlist(tmp_path):
    """Positive control, in a child process (the exploit rebinds ``builtins.len``): with
    ``builtins.getattr`` and ``HistoryBuffer`` allowlisted, as this project's loader did,
    reading the file runs its code. The refusals above are what stop it."""
    marker = tmp_path / 'payload_ran'
    path = tmp_path / 'evil.pth'
    path.write_bytes(getattr_exploit(trace_code(marker)))
    script = ('import torch\n'
              'from mmengine.logging.history_buffer import HistoryBuffer\n'
              'torch.serialization.add_safe_globals([getattr, HistoryBuffer])\n'
              'try:\n'
              f'    torch.load({str(path)!r}, weights_only=True)\n'
              'except Exception:\n'
              '    pass\n')
    subprocess.run([sys.executable, '-c', script], check=True, timeout=120)
    assert marker.exists()


def test_history_buffer_poisons_the_class_when_allowlisted(tmp_path):
    """Positive control: with MMEngine's HistoryBuffer allowlisted (the former loader),
    loading a file changes HistoryBuffer's class-level method table."""
    path = write_checkpoint(tmp_path / 'evil.pth', PAYLOADS['mmengine_history_buffer']('x'))
    saved = dict(HistoryBuffer._statistics_methods)
    try:
        with torch.serialization.safe_globals([HistoryBuffer]):
            torch.load(path, weights_only=True)
        assert HistoryBuffer._statistics_methods['mean'] != saved['mean']
    finally:
        HistoryBuffer._statistics_methods.clear()
        HistoryBuffer._statistics_methods.update(saved)


@pytest.mark.parametrize('kind', ['reduce_os_system', 'numpy_runstring'])
def test_other_payloads_run_under_plain_pickle(tmp_path, kind):
    """Positive control: without the weights_only restriction the files run their code."""
    marker = tmp_path / 'payload_ran'
    path = write_checkpoint(tmp_path / 'evil.pth', PAYLOADS[kind](marker))
    torch.load(path, weights_only=False)
    assert marker.exists()
    os.environ.pop(ENV_FLAG, None)


def test_nothing_is_added_to_torchs_allowlist():
    added = {f'{getattr(g, "__module__", "")}.{getattr(g, "__qualname__", g)}'
             for g in torch.serialization.get_safe_globals()}
    assert not any(name.startswith(('numpy', 'mmengine', 'mmdmgan', 'builtins.getattr'))
                   for name in added), added
    assert getattr not in torch.serialization.get_safe_globals()


def test_truncated_checkpoint_is_reported_as_incomplete(tmp_path):
    path = tmp_path / 'iter_4.pth'
    torch.save(dict(state_dict={'w': torch.ones(100)}), str(path))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(IncompleteCheckpointError, match='iter_4.pth is not a complete'):
        load_checkpoint_file(path)
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        load_checkpoint_file(tmp_path / 'nothing.pth')


def test_plain_checkpoint_loads(tmp_path):
    buffer = io.BytesIO()
    torch.save(dict(meta=dict(iter=3), state_dict={'w': torch.arange(3)}), buffer)
    path = tmp_path / 'ok.pth'
    path.write_bytes(buffer.getvalue())
    assert load_checkpoint_file(path)['meta']['iter'] == 3


@pytest.mark.slow
def test_train_resume_refuses_the_getattr_exploit(getattr_exploit_file, no_trace):
    """The real entry point: tools/train.py --resume FILE (Runner.resume in a new process)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TEST_CONFIGS)]))
    result = subprocess.run(
        [sys.executable, 'tools/train.py', str(TEST_CONFIGS / 'dmgan_tiny.py'), '--work-dir',
         str(no_trace.parent / 'run'), '--resume', getattr_exploit_file],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert 'evil.pth is refused' in result.stdout + result.stderr


def test_environment_cannot_turn_the_safe_load_off(getattr_exploit_file, monkeypatch):
    """TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 turns weights_only off in every torch.load that does
    not pass it, MMEngine's own local loader included; ours passes it."""
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_file(getattr_exploit_file)
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(getattr_exploit_file, map_location='cpu')
