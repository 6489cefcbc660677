"""Distributed start-up that also works on CPU-only machines."""
import datetime
import os

import torch
import torch.distributed as dist
from mmengine.config import Config


def init_distributed_if_needed(cfg: Config) -> None:
    """Start a gloo process group for ``launcher='pytorch'`` runs on machines without CUDA.

    MMEngine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` unconditionally, which
    fails without CUDA. The Runner skips its own initialisation when a process group exists,
    so starting one here lets ``torchrun`` jobs run on CPU. The default DDP wrapper is also
    swapped for one that accepts CPU modules. On CUDA machines nothing changes.

    Args:
        cfg: The full config; ``cfg.launcher`` and ``cfg.model_wrapper_cfg`` are read and the
            latter may be set.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
                   if k not in os.environ]
        if missing:
            raise RuntimeError(f'launcher=pytorch needs the environment variables {missing}; '
                               'start the job with torchrun (tools/dist_train.sh)')
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', None)
        kwargs = {} if timeout is None else {'timeout': datetime.timedelta(seconds=timeout)}
        dist.init_process_group(backend='gloo', **kwargs)
    if cfg.get('model_wrapper_cfg', None) is None:
        cfg.model_wrapper_cfg = dict(type='DeviceAgnosticDistributedDataParallel')
