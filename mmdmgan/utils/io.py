"""File writing that never leaves a half-written file behind."""
import os
import os.path as osp
import re
import tempfile
from typing import Callable, List, Union

#: Inserted before the extension of every temporary file :func:`atomic_write` creates, so
#: that :func:`remove_stale_temp_files` recognises them (and nothing else).
TEMP_MARKER = '.partial'
# ``.<final name>.<8 mkstemp characters>[.partial]<extension of the final name>``; the form
# without the marker is what earlier versions wrote.
_TEMP_NAME = re.compile(r'^\.(?P<final>.+)\.[a-z0-9_]{8}(?:\.partial)?(?P<ext>\.[^.]*)?$')


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(temporary_path)`` next to ``path``, then rename the result to ``path``.

    A crash or an exception in ``write`` leaves any existing ``path`` untouched and removes
    the temporary file. The folder of ``path`` is created when missing.

    Args:
        path (str): Final file path.
        write (Callable[[str], None]): Writes the whole file to the path it is given.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # Keep the extension last: some writers (e.g. matplotlib) pick the format from it.
    handle, tmp_path = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', dir=directory,
                                        suffix=TEMP_MARKER + osp.splitext(path)[1])
    os.close(handle)
    try:
        write(tmp_path)
        with open(tmp_path, 'rb+') as written:  # on disk before the rename makes it visible
            os.fsync(written.fileno())
        # mkstemp creates the file private (0600); give it the permissions of a normal file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def atomic_write_bytes(path: str, data: Union[bytes, str], encoding: str = 'utf-8') -> None:
    """Write ``data`` (bytes, or text encoded with ``encoding``) to ``path`` atomically."""
    if isinstance(data, str):
        data = data.encode(encoding)

    def write(tmp_path: str) -> None:
        with open(tmp_path, 'wb') as file:
            file.write(data)

    atomic_write(str(path), write)


def is_atomic_temp_file(name: str) -> bool:
    """Whether the file name ``name`` is a temporary file of :func:`atomic_write`."""
    match = _TEMP_NAME.match(name)
    return match is not None and (match['ext'] or '') == osp.splitext(match['final'])[1]


def remove_stale_temp_files(directory: str) -> List[str]:
    """Delete the temporary files that :func:`atomic_write` left in ``directory`` when its
    process was killed (SIGKILL, power loss) before it could clean up.

    Only names of :func:`atomic_write`'s pattern are touched; call it when no other process
    writes into ``directory``.

    Returns:
        list[str]: The paths removed.
    """
    if not osp.isdir(directory):
        return []
    removed = []
    for name in sorted(os.listdir(directory)):
        path = osp.join(directory, name)
        if is_atomic_temp_file(name) and osp.isfile(path):
            try:
                os.remove(path)
            except FileNotFoundError:  # removed meanwhile by another rank
                continue
            removed.append(path)
    return removed
