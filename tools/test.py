"""Evaluate a checkpoint with the metrics of the config's ``test_evaluator``.

Examples:
    python tools/test.py configs/dmgan_cub.py work_dirs/dmgan_cub/iter_100000.pth
    bash tools/dist_test.sh configs/dmgan_coco.py CKPT 8 --out results.json
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from mmdmgan.engine import init_distributed_if_needed
from mmdmgan.utils import atomic_write_bytes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a mmdmgan model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the evaluation logs')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, key=value pairs')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if cfg.get('test_dataloader') is None or cfg.get('test_evaluator') is None:
        raise ValueError(f'{args.config} has no test_dataloader / test_evaluator to run')
    cfg.load_from = args.checkpoint
    init_distributed_if_needed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out and is_main_process():
        atomic_write_bytes(args.out, json.dumps({k: float(v) for k, v in metrics.items()},
                                                indent=2))
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    main()
