"""Rewrite an older training checkpoint (message hub pickled through getattr, numpy arrays)
as plain data, which mmdmgan loads with ``torch.load(weights_only=True)``.

    python tools/convert_legacy_checkpoint.py work_dirs/dmgan_cub/iter_5000.pth OUT.pth

The old file is read without running code from it: an unpickler that resolves only
tensors, numeric numpy arrays/scalars, HistoryBuffer data and HistoryBuffer's method names
(see mmdmgan/engine/legacy_checkpoint.py); anything else is refused. OUT may be the input
file (it is replaced atomically).
"""
import argparse

from mmdmgan.engine.legacy_checkpoint import convert_legacy_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='checkpoint in the older format')
    parser.add_argument('out', help='where to write the plain-data checkpoint')
    args = parser.parse_args()
    convert_legacy_checkpoint(args.checkpoint, args.out)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
