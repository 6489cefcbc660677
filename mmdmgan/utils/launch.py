"""Command-line and config plumbing shared by tools/train.py and tools/test.py."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add MMagic-style ``--work-dir``, ``--cfg-options``, ``--launcher`` and ``--local_rank``."""
    parser.add_argument('--work-dir', help='the directory for logs and checkpoints')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, key=value pairs, e.g. train_cfg.max_iters=10')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_runner_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the arguments of :func:`add_runner_arguments`; the work
    dir defaults to ``work_dirs/<config name>``."""
    path = args.config
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path}')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(path)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg
