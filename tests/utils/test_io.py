import os
import stat

import pytest

from mmdmgan.utils import atomic_write


def write_text(text):
    def write(path):
        with open(path, 'w') as file:
            file.write(text)
    return write


def test_atomic_write_creates_the_file_with_normal_permissions(tmp_path):
    path = tmp_path / 'sub' / 'a.json'
    atomic_write(str(path), write_text('{}'))
    assert path.read_text() == '{}'
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in path.parent.iterdir()) == ['a.json']


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_text('old')

    def failing(tmp):
        write_text('half')(tmp)
        raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        atomic_write(str(path), failing)
    assert path.read_text() == 'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.txt']
