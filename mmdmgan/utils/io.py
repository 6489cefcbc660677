"""File writing that never leaves a half-written file behind."""
import os
import os.path as osp
import tempfile
from typing import Callable, Union


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
                                        suffix=osp.splitext(path)[1])
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
