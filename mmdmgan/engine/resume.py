"""Which checkpoint ``tools/train.py --resume`` continues from, and stopping on SIGTERM/SIGINT.

Resuming picks the newest checkpoint of the work dir that loads. A newest file that is
truncated or corrupt is skipped with a warning for the one before it. When checkpoints exist
but none loads, or one is refused as unsafe, resuming stops with an error listing them: it
never starts again from iteration 0 over a work dir that holds checkpoints. Only a work dir
without any complete checkpoint starts from iteration 0, and says so.
"""
import logging
import os
import os.path as osp
import re
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.logging import print_log

from mmdmgan.engine.checkpoint import (
    CheckpointError,
    IncompleteCheckpointError,
    load_checkpoint_file,
)
from mmdmgan.engine.hooks.checkpoint_hook import LAST_CHECKPOINT_FILE
from mmdmgan.utils import is_atomic_temp_file, remove_stale_temp_files

CHECKPOINT_NAME = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def _warn(message: str) -> None:
    print_log(message, logger='current', level=logging.WARNING)


def recorded_checkpoint(work_dir: str) -> Optional[str]:
    """The path ``<work_dir>/last_checkpoint`` names, or ``None`` (missing or empty file)."""
    record = osp.join(work_dir, LAST_CHECKPOINT_FILE)
    if not osp.isfile(record):
        return None
    with open(record, encoding='utf-8') as file:
        named = file.read().strip()
    if not named:
        _warn(f'{record} is empty: looking for checkpoints in {work_dir} instead')
        return None
    return named


def checkpoint_candidates(work_dir: str) -> List[str]:
    """Checkpoints of ``work_dir``, newest first.

    The ``iter_N.pth`` / ``epoch_N.pth`` files of ``work_dir`` and of the folder
    ``last_checkpoint`` points into, plus the file it names; ordered by modification time
    (a later save is newer even when ``last_checkpoint`` was not yet rewritten), ties by
    the number in the name.
    """
    named = recorded_checkpoint(work_dir)
    folders = {osp.abspath(work_dir)}
    paths = set()
    if named is not None:
        if osp.isfile(named):
            paths.add(osp.abspath(named))
        else:
            _warn(f'{osp.join(work_dir, LAST_CHECKPOINT_FILE)} names {named}, which does '
                  'not exist: looking for other checkpoints')
        folders.add(osp.dirname(osp.abspath(named)))
    for folder in folders:
        if osp.isdir(folder):
            paths.update(osp.join(folder, name) for name in os.listdir(folder)
                         if CHECKPOINT_NAME.match(name) and osp.isfile(osp.join(folder, name)))

    def newest_first(path: str):
        match = CHECKPOINT_NAME.match(osp.basename(path))
        return (-os.stat(path).st_mtime_ns, -int(match[1]) if match else 0)

    return sorted(paths, key=newest_first)


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The newest checkpoint of ``work_dir`` that loads, or ``None`` when it has none.

    Raises:
        CheckpointError: Checkpoints exist but none loads (each named with its problem), or
            the newest loadable one is refused as unsafe.
    """
    candidates = checkpoint_candidates(work_dir)
    problems = []
    for path in candidates:
        try:
            load_checkpoint_file(path)
        except IncompleteCheckpointError as error:
            _warn(f'skipping {path}: {error}')
            problems.append(str(error))
            continue
        if problems:
            _warn(f'resuming from {path}, the newest checkpoint that loads')
        return path
    if problems:
        raise CheckpointError(
            f'--resume: no checkpoint in {work_dir} loads:\n  ' + '\n  '.join(problems) +
            '\nResume from a checkpoint kept elsewhere with --resume PATH, or start a new '
            'run in another --work-dir')
    temporary = [name for name in (os.listdir(work_dir) if osp.isdir(work_dir) else [])
                 if is_atomic_temp_file(name)]
    left = f' (only unfinished saves: {", ".join(sorted(temporary))})' if temporary else ''
    _warn(f'--resume: {work_dir} holds no complete checkpoint{left}; training starts from '
          'iteration 0')
    return None


def choose_resume_checkpoint(cfg: Config) -> None:
    """For ``cfg.resume`` without ``cfg.load_from`` (``tools/train.py --resume``), set
    ``cfg.load_from`` to :func:`find_resume_checkpoint`'s choice, or turn ``cfg.resume``
    off when the work dir holds no checkpoint (MMEngine's own lookup trusts
    ``last_checkpoint`` alone)."""
    if not cfg.get('resume') or cfg.get('load_from') is not None:
        return
    cfg.load_from = find_resume_checkpoint(cfg.work_dir)
    cfg.resume = cfg.load_from is not None


class TrainingInterrupted(BaseException):
    """Raised in the main thread by SIGTERM / SIGINT (a BaseException, so that no
    ``except Exception`` in the training loop swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f'stopped by {signal.Signals(signum).name}')
        self.signum = signum


@contextmanager
def stop_cleanly_on_signals(
        work_dir: str,
        signals: Sequence[int] = (signal.SIGTERM, signal.SIGINT)) -> Iterator[None]:
    """Turn SIGTERM / SIGINT during the ``with`` block into a clean, non-zero exit.

    The signal raises :class:`TrainingInterrupted` wherever training is; a save in progress
    removes its temporary file on the way out (:func:`~mmdmgan.utils.atomic_write`), other
    leftovers of ``work_dir`` are removed, the newest checkpoint is printed, and the
    process exits with ``128 + signal number`` (143 for SIGTERM, 130 for SIGINT). A second
    signal during that cleanup stops the process at once.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    owner = os.getpid()

    def interrupt(signum: int, frame) -> None:
        for number in signals:
            signal.signal(number, signal.SIG_DFL)
        if os.getpid() != owner:  # a forked data-loader worker: the default action
            os.kill(os.getpid(), signum)
            return
        raise TrainingInterrupted(signum)

    previous = {number: signal.getsignal(number) for number in signals}
    for number in signals:
        signal.signal(number, interrupt)
    try:
        yield
    except TrainingInterrupted as stop:
        if is_main_process():  # the only writer of checkpoints
            remove_stale_temp_files(work_dir)
        candidates = checkpoint_candidates(work_dir)
        where = (f'the newest checkpoint is {candidates[0]}; continue with --resume'
                 if candidates else 'no checkpoint was saved yet')
        print(f'training {stop}: {where}', file=sys.stderr, flush=True)
        raise SystemExit(128 + stop.signum) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
