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


def test_temporary_names_are_recognised_and_only_they_are_removed(tmp_path):
    from mmdmgan.utils import is_atomic_temp_file, remove_stale_temp_files

    def crash(tmp):
        write_text('half')(tmp)
        assert is_atomic_temp_file(os.path.basename(tmp)), tmp
        raise RuntimeError('checked the name of the temporary file')

    with pytest.raises(RuntimeError, match='checked'):
        atomic_write(str(tmp_path / 'iter_2.pth'), crash)
    stale = ['.iter_4.pth.ab_3x9kq.partial.pth', '.iter_2.pth.k2j4h6g8.pth',  # older form
             '.last_checkpoint.zzzzzzzz.partial']
    kept = ['iter_4.pth', '.iter_4.pth.short.pth', '.iter_4.pth.ab_3x9kq.partial.png',
            'notes.txt', '.hidden']
    for name in stale + kept:
        (tmp_path / name).write_text('x')
    removed = remove_stale_temp_files(str(tmp_path))
    assert sorted(os.path.basename(path) for path in removed) == sorted(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)
