"""Generate the synthetic captioned-shapes dataset in the captions.jsonl layout and report
the generation speed.

    python tools/data/make_shapes.py data/shapes --num-train 50000 --num-test 1000 \
        --num-heldout 1000 --heldout red:circle blue:star --image-size 64

``--caption-form`` words the captions in one of the forms people type (``free`` mixes them;
default ``templated``, the fixed grammar); any form but ``templated`` writes the free-form
vocabulary (``shapes_vocabulary(free_form=True)``) to vocab.json.
"""
import argparse
import time
from typing import List, Optional

from mmdmgan.datasets.shapes import (
    CAPTION_FORMS,
    render_scene,
    sample_scene,
    write_shapes_dataset,
)
from mmdmgan.utils.cli import run_cli


def parse_pair(text: str) -> tuple:
    colour, separator, shape = text.partition(':')
    if not separator:
        raise argparse.ArgumentTypeError(f'held-out pair must be colour:shape, got {text!r}')
    return colour, shape


def measure_speed(num_images: int, image_size: int, seed: int = 0) -> float:
    """Scenes sampled and rendered per second in memory on this (single) core."""
    start = time.perf_counter()
    for index in range(num_images):
        render_scene(sample_scene(seed, 'train', index), image_size)
    return num_images / (time.perf_counter() - start)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir')
    parser.add_argument('--num-train', type=int, default=5000)
    parser.add_argument('--num-test', type=int, default=500)
    parser.add_argument('--num-heldout', type=int, default=0,
                        help='scenes that each contain a held-out pair (needs --heldout)')
    parser.add_argument('--heldout', type=parse_pair, nargs='*', default=[],
                        help='colour:shape pairs kept out of train/test, e.g. red:circle')
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--captions-per-image', type=int, default=5)
    parser.add_argument('--max-objects', type=int, choices=[1, 2], default=2,
                        help='shapes per scene: 1, or 2 (one or two)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--caption-form', choices=CAPTION_FORMS, default='templated',
                        help='caption wording: templated (the fixed grammar) or a free form; '
                             'any but templated writes the free-form vocabulary')
    parser.add_argument('--image-ext', choices=['.png', '.jpg'], default='.png')
    parser.add_argument('--benchmark-images', type=int, default=2000,
                        help='scenes timed in memory before writing (0: skip)')
    args = parser.parse_args(argv)
    if args.benchmark_images:
        speed = measure_speed(args.benchmark_images, args.image_size, args.seed)
        print(f'in-memory generation: {speed:.0f} images/s at {args.image_size}x'
              f'{args.image_size} on one core')
    counts = {'train': args.num_train, 'test': args.num_test}
    if args.num_heldout:
        counts['heldout'] = args.num_heldout
    start = time.perf_counter()
    write_shapes_dataset(args.out_dir, counts, args.image_size, args.seed, args.heldout,
                         args.captions_per_image, args.image_ext, args.max_objects,
                         args.caption_form)
    elapsed = time.perf_counter() - start
    total = sum(counts.values())
    print(f'wrote {total} images ({counts}) to {args.out_dir} in {elapsed:.1f} s '
          f'({total / max(elapsed, 1e-9):.0f} images/s including encoding and disk)')
    return 0


if __name__ == '__main__':
    run_cli(main)
