"""Evaluate a checkpoint with the metrics of the config's ``test_evaluator``.

Examples:
    python tools/test.py configs/dmgan_cub.py work_dirs/dmgan_cub/iter_100000.pth
    bash tools/dist_test.sh configs/dmgan_coco.py CKPT 8 --out results.json
"""
import argparse
import json
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.runner import Runner

from mmdmgan.engine import init_distributed_if_needed
from mmdmgan.engine.config_validation import validate_runner_config
from mmdmgan.utils import atomic_write_bytes
from mmdmgan.utils.cli import run_cli
from mmdmgan.utils.launch import add_runner_arguments, load_runner_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a mmdmgan model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    add_runner_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {args.checkpoint}')
    cfg = load_runner_config(args)
    if cfg.get('test_dataloader') is None or cfg.get('test_evaluator') is None:
        raise ValueError(f'{args.config} has no test_dataloader / test_evaluator to run')
    cfg.load_from = args.checkpoint
    validate_runner_config(cfg)
    init_distributed_if_needed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out and is_main_process():
        atomic_write_bytes(args.out, json.dumps({k: float(v) for k, v in metrics.items()},
                                                indent=2))
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    run_cli(main)
