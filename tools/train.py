"""Train a model from a config with MMEngine's Runner (MMagic-style arguments).

Examples:
    python tools/train.py configs/dmgan_cub.py
    python tools/train.py configs/dmgan_cub.py --resume            # newest checkpoint that loads
    bash tools/dist_train.sh configs/dmgan_coco.py 8
"""
import argparse

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmdmgan.engine import init_distributed_if_needed
from mmdmgan.engine.config_validation import validate_runner_config
from mmdmgan.engine.resume import choose_resume_checkpoint, stop_cleanly_on_signals
from mmdmgan.utils.cli import run_cli
from mmdmgan.utils.launch import add_runner_arguments, load_runner_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a mmdmgan model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the latest checkpoint in the work_dir, or from the given checkpoint')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale lr with batch size')
    add_runner_arguments(parser)
    return parser.parse_args()


def amp_settings() -> dict:
    """AmpOptimWrapper arguments for this machine: bf16 where the GPU supports it (no loss
    scaling needed), otherwise fp16 with dynamic loss scaling."""
    if not torch.cuda.is_available():
        raise RuntimeError(
            '--amp needs a CUDA GPU (MMEngine\'s AmpOptimWrapper runs on CUDA devices only); '
            'this machine has none: train without --amp.')
    if torch.cuda.is_bf16_supported():
        return dict(dtype='bfloat16', loss_scale=dict(enabled=False))
    return dict(dtype='float16', loss_scale='dynamic')


def enable_amp(cfg: Config) -> None:
    """Turn every optimizer wrapper of ``cfg`` into an AmpOptimWrapper (see amp_settings)."""
    optim_wrapper = cfg.optim_wrapper
    # GAN configs hold one wrapper per sub-model under OptimWrapperDict keys.
    wrappers = ([optim_wrapper] if 'optimizer' in optim_wrapper
                else [v for k, v in optim_wrapper.items() if k != 'constructor'])
    settings = amp_settings()
    for wrapper in wrappers:
        wrapper.type = 'AmpOptimWrapper'
        for key, value in settings.items():
            wrapper.setdefault(key, value)


def build_config(args: argparse.Namespace) -> Config:
    cfg = load_runner_config(args)
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main() -> None:
    args = parse_args()
    cfg = build_config(args)
    validate_runner_config(cfg)
    choose_resume_checkpoint(cfg)
    init_distributed_if_needed(cfg)
    runner = Runner.from_cfg(cfg)
    with stop_cleanly_on_signals(cfg.work_dir):
        runner.train()


if __name__ == '__main__':
    run_cli(main)
