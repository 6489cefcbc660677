"""Checkpoints that are never half-written, in plain data, and never lost to a kill."""
import os.path as osp
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook

from mmdmgan.engine.checkpoint import restore_message_hub, to_plain_checkpoint
from mmdmgan.registry import HOOKS
from mmdmgan.utils import atomic_write_bytes, remove_stale_temp_files

ATOMIC_BACKEND = 'atomic_local'
LAST_CHECKPOINT_FILE = 'last_checkpoint'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with atomic ``put`` / ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(str(filepath), obj)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write_bytes(str(filepath), obj, encoding)

    #: ``(method name, path)`` of the removals queued by :meth:`removals_deferred`.
    _deferred_removals: Optional[List[Tuple[str, Union[str, Path]]]] = None

    def remove(self, filepath: Union[str, Path]) -> None:
        if self._deferred_removals is None:
            super().remove(filepath)
        else:
            self._deferred_removals.append(('remove', filepath))

    def rmtree(self, dir_path: Union[str, Path]) -> None:
        if self._deferred_removals is None:
            super().rmtree(dir_path)
        else:
            self._deferred_removals.append(('rmtree', dir_path))

    @contextmanager
    def removals_deferred(self) -> Iterator[None]:
        """Hold back every ``remove`` / ``rmtree`` of the block until it has ended without an
        error (then they run, in order); after an error nothing queued is removed."""
        self._deferred_removals, queued = [], self._deferred_removals
        try:
            yield
            removals = self._deferred_removals
        finally:
            self._deferred_removals = queued
        for method, path in removals:
            getattr(self, method)(path)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` whose checkpoints survive a kill at any moment.

    - Each checkpoint is written to a temporary file and renamed into place (atomic local
      backend), so a file named ``iter_N.pth`` is always complete.
    - The order of a save is: new checkpoint complete, then ``last_checkpoint`` rewritten
      (atomically), and only then the checkpoint beyond ``max_keep_ckpts`` removed. A kill
      between any two steps leaves a complete checkpoint on disk and never a
      ``last_checkpoint`` that names a removed file. (MMEngine removes the old checkpoint
      first and truncates ``last_checkpoint`` before writing it.)
    - The previous ``save_best`` checkpoint is removed only after the new best one is complete
      (MMEngine removes it first).
    - Temporary files of saves killed before they could clean up are removed when training
      starts (only names of :func:`mmdmgan.utils.atomic_write`'s pattern).
    - Checkpoints hold plain data only (:func:`~mmdmgan.engine.checkpoint.to_plain_checkpoint`
      before saving, the message hub's history buffers rebuilt after loading), so they load
      with ``torch.load(weights_only=True)`` and nothing added to torch's allowlist.

    Takes CheckpointHook's arguments; ``backend_args`` defaults to the atomic local backend
    (give another backend explicitly for remote storage).
    """

    def __init__(self, *args, backend_args: Optional[dict] = None, **kwargs) -> None:
        if backend_args is None:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process():
            for path in remove_stale_temp_files(self.out_dir):
                runner.logger.warning(f'removed {path}, left by a save that was killed')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # VERY_LOW priority: runs after every other hook has added its part.
        to_plain_checkpoint(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        restore_message_hub(checkpoint)

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        """MMEngine's best-checkpoint saving, with the previous best removed only after the new
        one (and the checkpoint that records it) is complete."""
        if not isinstance(self.file_backend, AtomicLocalBackend):
            super()._save_best_checkpoint(runner, metrics)
            return
        with self.file_backend.removals_deferred():
            super()._save_best_checkpoint(runner, metrics)

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        """MMEngine's bookkeeping in a kill-safe order (see the class docstring)."""
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, ckpt_filename, self.file_client_args,
            save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)

        if not is_main_process():
            return
        atomic_write_bytes(osp.join(runner.work_dir, LAST_CHECKPOINT_FILE), self.last_ckpt)
        if outdated is not None:
            outdated_path = self.file_backend.join_path(self.out_dir,
                                                        self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(outdated_path):
                self.file_backend.remove(outdated_path)
            elif self.file_backend.isdir(outdated_path):  # DeepSpeed saves directories
                self.file_backend.rmtree(outdated_path)
