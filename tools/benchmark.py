"""Measure DM-GAN training or inference speed on synthetic batches of a config's shapes.

Runs the real model, data preprocessor and full ``train_step`` (both the discriminator and the
generator updates, the DAMSM losses, EMA), or ``infer`` (text encoder + generator), and prints
ONE JSON line: seconds per iteration, images per second, peak memory, FLOPs per image and the
achieved TFLOP/s, the settings and the library versions.

Weights are random (speed does not depend on their values), so no pretrained files are needed.

The fast-path switches (each off by default, i.e. the reference-equivalent fp32 eager path):
    --amp            bf16 autocast (train: ``AutocastOptimWrapper``, no loss scaling; fp16 with
                     MMEngine's ``AmpOptimWrapper`` on GPUs without bf16)
    --sdpa           fused memory read: ``model.generator.attention_impl='sdpa'``
    --channels-last  ``model.channels_last=True`` (G and Ds in channels-last layout)
    --compile        ``torch.compile`` of G, the Ds and the image encoder (train) or of the
                     sampling generator (infer); ``--compile-mode reduce-overhead`` adds CUDA
                     graphs
Any other model setting can be changed with ``--cfg-options``, e.g.
``--cfg-options model.generator.reference_mask_bug=True``.

Examples:
    python tools/benchmark.py configs/dmgan_cub.py --mode train --batch 32 --device cuda
    python tools/benchmark.py configs/dmgan_cub.py --mode train --batch 32 --device cuda \
        --amp --sdpa --channels-last --compile
    python tools/benchmark.py configs/dmgan_cub.py --mode infer --batch 64 --device cuda --amp
    PYTHONPATH=.:tests/configs python tools/benchmark.py tests/configs/dmgan_tiny.py \
        --mode train --batch 2 --iters 2 --device cpu
"""
import argparse
import json
import platform
import resource
import sys
import time
from typing import Callable, Dict, List

import mmengine
import torch
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from torch.utils.flop_counter import FlopCounterMode

from mmdmgan.registry import MODELS
from mmdmgan.structures import DataSample
from mmdmgan.utils.cli import run_cli


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark DM-GAN training / inference')
    parser.add_argument('config', help='model config (its model and optim_wrapper are used)')
    parser.add_argument('--mode', choices=['train', 'infer'], default='train')
    parser.add_argument('--batch', type=int, default=None,
                        help="batch size (default: the config's train batch size)")
    parser.add_argument('--iters', type=int, default=10, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations first')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (bf16 where supported, else fp16 on GPU)')
    parser.add_argument('--sdpa', action='store_true',
                        help="fused memory read (model.generator.attention_impl='sdpa')")
    parser.add_argument('--channels-last', action='store_true',
                        help='channels-last layout of G and the Ds (model.channels_last=True)')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile G, the Ds and the image encoder (infer: G only)')
    parser.add_argument('--compile-mode', default='default',
                        choices=['default', 'reduce-overhead', 'max-autotune'],
                        help='torch.compile mode (reduce-overhead uses CUDA graphs)')
    parser.add_argument('--tf32', action='store_true',
                        help='allow TF32 in fp32 matmuls and convolutions (CUDA)')
    parser.add_argument('--profile', metavar='FILE',
                        help='after timing, profile 3 iterations and write the top-kernel '
                             'table (by self device time) to FILE')
    parser.add_argument('--device', default=None,
                        help='cuda, cuda:N or cpu; default: cuda where available. A CPU run '
                             'must be asked for, since a GPU-sized batch takes minutes there')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value pairs')
    args = parser.parse_args(argv)
    for name in ('batch', 'iters'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name} must be at least 1, got {value}')
    if args.warmup < 0:
        parser.error(f'--warmup must be >= 0, got {args.warmup}')
    if args.device is None:
        if not torch.cuda.is_available():
            parser.error('no CUDA device here: pass --device cpu to benchmark on the CPU '
                         '(use a small --batch and --iters there: a CUB train step at batch 2 '
                         'takes about 20 s on 2 cores)')
        args.device = 'cuda'
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device} asked for, but CUDA is not available here')
    return args


def caption_length(cfg: Config) -> int:
    """``words_num`` of the config's ``SampleCaption`` transform (the padded caption length)."""
    pipeline = cfg.get('train_dataloader', {}).get('dataset', {}).get('pipeline', [])
    for transform in pipeline:
        if transform.get('type') == 'SampleCaption':
            return int(transform['words_num'])
    raise ValueError(f'{cfg.filename}: no SampleCaption transform in '
                     'train_dataloader.dataset.pipeline, so the caption length is unknown')


def with_random_encoders(model_cfg: dict) -> dict:
    """The model config with random-weight DAMSM encoders (no weight files needed)."""
    model_cfg = dict(model_cfg, text_encoder_weights=None, image_encoder_weights=None,
                     allow_random_encoders=True)
    image_encoder = model_cfg.get('image_encoder')
    if isinstance(image_encoder, dict) and image_encoder.get('type') == 'DAMSMImageEncoder':
        model_cfg['image_encoder'] = dict(image_encoder, inception_weights=None,
                                          allow_random_init=True)
    return model_cfg


def synthetic_batch(batch_size: int, image_size: int, words_num: int, vocab_size: int,
                    generator: torch.Generator) -> dict:
    """A collated batch as the dataloader yields it: uint8 images and caption DataSamples."""
    inputs, samples = [], []
    for index in range(batch_size):
        length = int(torch.randint(max(1, words_num // 2), words_num + 1, (1,),
                                   generator=generator))
        ids = torch.zeros(words_num, dtype=torch.long)
        ids[:length] = torch.randint(1, vocab_size, (length,), generator=generator)
        inputs.append(torch.randint(0, 256, (3, image_size, image_size), dtype=torch.uint8,
                                    generator=generator))
        samples.append(DataSample(prompt='', caption_ids=ids, caption_len=length,
                                  class_id=index))
    return dict(inputs=inputs, data_samples=samples)


def amp_dtype(device: torch.device) -> torch.dtype:
    if device.type == 'cuda' and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16 if device.type == 'cuda' else torch.bfloat16


def build_step(args: argparse.Namespace, cfg: Config, model: torch.nn.Module,
               data: dict, device: torch.device) -> Callable[[], None]:
    """The function one benchmark iteration calls."""
    if args.mode == 'train':
        optim_cfg = cfg.optim_wrapper.copy()
        if args.amp:
            dtype = amp_dtype(device)
            # bf16 needs no loss scaling (and so no GradScaler host sync); fp16 does.
            amp_wrapper = (dict(type='AutocastOptimWrapper', dtype=dtype)
                           if dtype == torch.bfloat16 else
                           dict(type='AmpOptimWrapper', dtype=dtype, loss_scale='dynamic'))
            for key, wrapper in optim_cfg.items():
                if key != 'constructor':
                    wrapper.update(amp_wrapper)
        optim_wrapper = build_optim_wrapper(model, optim_cfg)
        model.train()
        return lambda: model.train_step(data, optim_wrapper)

    model.eval()
    preprocessed = model.data_preprocessor(data)['inputs']
    caption_ids, caption_len = preprocessed['caption_ids'], preprocessed['caption_len']

    def infer() -> None:
        with torch.autocast(device.type, dtype=amp_dtype(device), enabled=args.amp):
            # Images only (the maps are a visualisation extra; without them --sdpa applies).
            model.generate_from_tokens(caption_ids, caption_len, return_attention=False)
    return infer


def compile_models(model: torch.nn.Module, mode: str, compile_mode: str) -> None:
    """``torch.compile`` the networks the timed step runs (in place)."""
    if mode == 'infer':
        if getattr(model, 'ema_config', None) is not None:
            model.generator_ema.module = torch.compile(model.generator_ema.module,
                                                       mode=compile_mode)
        else:
            model.generator = torch.compile(model.generator, mode=compile_mode)
        return
    for name in ('generator', 'discriminators', 'image_encoder'):
        if getattr(model, name, None) is not None:
            setattr(model, name, torch.compile(getattr(model, name), mode=compile_mode))


def write_profile(step: Callable[[], None], device: torch.device, path: str,
                  iters: int = 3, rows: int = 30) -> None:
    """Profile ``iters`` steps and write the ops/kernels with the most self time to ``path``."""
    activities = [torch.profiler.ProfilerActivity.CPU]
    if device.type == 'cuda':
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as profiler:
        for _ in range(iters):
            step()
        synchronize(device)
    sort_by = 'self_cuda_time_total' if device.type == 'cuda' else 'self_cpu_time_total'
    table = profiler.key_averages().table(sort_by=sort_by, row_limit=rows, max_name_column_width=70)
    with open(path, 'w') as file:
        file.write(f'{iters} iterations, sorted by {sort_by}\n{table}\n')


def count_flops(step: Callable[[], None]) -> int:
    counter = FlopCounterMode(display=False)
    with counter:
        step()
    return counter.get_total_flops()


def synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def peak_memory_mb(device: torch.device) -> float:
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # kB on Linux


def versions() -> Dict[str, str]:
    return dict(python=platform.python_version(), torch=torch.__version__,
                mmengine=mmengine.__version__, cuda=str(torch.version.cuda),
                gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else 'none')


def run(args: argparse.Namespace) -> dict:
    # Only warnings from MMEngine (e.g. init_weights' INFO lines): stdout carries the JSON.
    MMLogger.get_instance('benchmark', log_level='WARNING')
    cfg = Config.fromfile(args.config)
    if args.sdpa:
        cfg.model.generator.attention_impl = 'sdpa'
    if args.channels_last:
        cfg.model.channels_last = True
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdmgan'))
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    model = MODELS.build(with_random_encoders(cfg.model))
    model.init_weights()
    model.to(device)

    batch_size = args.batch or cfg.train_dataloader.batch_size
    data = synthetic_batch(batch_size, max(model.sizes), caption_length(cfg),
                           model.text_encoder.vocab_size,
                           torch.Generator().manual_seed(args.seed))
    step = build_step(args, cfg, model, data, device)
    # FLOPs of one eager step (FlopCounterMode does not see inside compiled graphs); the
    # step looks the networks up when it runs, so it uses the compiled ones from here on.
    flops = count_flops(step)
    if args.compile:
        compile_models(model, args.mode, args.compile_mode)

    for _ in range(args.warmup):
        step()
    synchronize(device)
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    times: List[float] = []
    for _ in range(args.iters):
        start = time.perf_counter()
        step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    seconds = sorted(times)[len(times) // 2]  # the median resists one-off stalls
    if args.profile:
        write_profile(step, device, args.profile)
    return dict(
        config=args.config, mode=args.mode, batch=batch_size, iters=args.iters,
        warmup=args.warmup, device=str(device), amp=args.amp,
        amp_dtype=str(amp_dtype(device)).replace('torch.', '') if args.amp else None,
        attention_impl=cfg.model.generator.get('attention_impl', 'matmul'),
        channels_last=bool(cfg.model.get('channels_last', False)), compile=args.compile,
        compile_mode=args.compile_mode if args.compile else None, tf32=args.tf32,
        s_per_iter=seconds, mean_s_per_iter=sum(times) / len(times),
        img_per_s=batch_size / seconds, peak_memory_mb=peak_memory_mb(device),
        gflop_per_img=flops / batch_size / 1e9, achieved_tflops=flops / seconds / 1e12,
        versions=versions())


def main(argv=None) -> None:
    result = run(parse_args(argv))
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    run_cli(main)
