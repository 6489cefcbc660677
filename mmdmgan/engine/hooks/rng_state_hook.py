"""Random-number-generator state in checkpoints, per rank, for exactly reproducible resumes."""
import random
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook

from mmdmgan.registry import HOOKS

DataBatch = Optional[dict]


def rng_state() -> dict:
    """The RNG states of this process: torch (CPU and current CUDA device), numpy, python."""
    state = dict(torch=torch.get_rng_state(), numpy=np.random.get_state(),
                 python=random.getstate())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state()
    return state


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save every rank's RNG state in checkpoints (``checkpoint['rng_states']``) and restore it.

    A resumed run then draws the same noise as an uninterrupted one. Timing matters:

    - Saving: only rank 0 writes checkpoints, so at each iteration where a
      :class:`CheckpointHook` will save, every rank's state is gathered first (this hook runs
      before the checkpoint hook, which saves in the same ``after_train_iter`` /
      ``after_train_epoch``).
    - Restoring: MMEngine re-seeds all generators after loading a checkpoint, so the states
      are applied in ``before_train``, after the re-seeding. Then the train loop replays the
      data loader up to the resumed iteration. With ``num_workers=0`` that replay runs the
      data transforms in this process and regenerates its numpy/python states by itself
      (restoring them first would shift them), so only torch's are restored; with worker
      processes the replay happens in the workers and all states are restored.
    """

    priority = 'LOW'  # before CheckpointHook ('VERY_LOW') in after_train_iter

    def __init__(self) -> None:
        self._gathered: Optional[List[dict]] = None
        self._loaded: Optional[List[dict]] = None

    def after_train_iter(self, runner, batch_idx: int, data_batch: DataBatch = None,
                         outputs: Optional[dict] = None) -> None:
        self._gather_if_saving(runner, by_epoch=False)

    def after_train_epoch(self, runner) -> None:
        self._gather_if_saving(runner, by_epoch=True)

    def _gather_if_saving(self, runner, by_epoch: bool) -> None:
        self._gathered = None
        hooks = [hook for hook in runner.hooks
                 if isinstance(hook, CheckpointHook) and hook.by_epoch == by_epoch]
        if any(self._saves_now(runner, hook) for hook in hooks):
            states = rng_state()
            self._gathered = all_gather_object(states) if get_world_size() > 1 else [states]

    @staticmethod
    def _saves_now(runner, hook: CheckpointHook) -> bool:
        """Whether ``hook`` saves now (CheckpointHook's own rule)."""
        if hook.by_epoch:
            return hook.every_n_epochs(runner, hook.interval, hook.save_begin) or (
                hook.save_last and hook.is_last_train_epoch(runner))
        return hook.every_n_train_iters(runner, hook.interval, hook.save_begin) or (
            hook.save_last and hook.is_last_train_iter(runner))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['rng_states'] = self._gathered or [rng_state()]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get('rng_states')

    def before_train(self, runner) -> None:
        if not self._loaded:
            return
        states, self._loaded = self._loaded, None
        if len(states) != get_world_size():
            runner.logger.warning(
                f'the checkpoint holds RNG states of {len(states)} ranks but this run has '
                f'{get_world_size()}: keeping the freshly seeded generators')
            return
        state = states[get_rank()]
        torch.set_rng_state(state['torch'].cpu())
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state(state['cuda'].cpu())
        if runner.train_dataloader.num_workers > 0:
            np.random.set_state(state['numpy'])
            random.setstate(state['python'])
        runner.logger.info('restored the RNG states saved in the checkpoint')
