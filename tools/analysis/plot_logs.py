"""Plot loss curves of a run from MMEngine's JSON log to a PNG.

Reads ``scalars.json`` or ``<timestamp>.json`` (one JSON object a line, as MMEngine's
``LocalVisBackend`` / ``LoggerHook`` write them) and draws each key against the iteration,
one panel per key. Given a work dir, the newest run's ``<timestamp>/vis_data/scalars.json``
is read (pass a JSON file to plot an older run).

Examples:
    python tools/analysis/plot_logs.py work_dirs/damsm_cub --out damsm_cub_losses.png
    python tools/analysis/plot_logs.py work_dirs/dmgan_cub --keys 'loss_d*' 'loss_g*' \
        --out dmgan_losses.png
    python tools/analysis/plot_logs.py work_dirs/dmgan_cub/20260101_120000/vis_data/scalars.json \
        --keys loss_kl --out kl.png
"""
import argparse
import fnmatch
import glob
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmdmgan.utils import atomic_write
from mmdmgan.utils.cli import run_cli

Curves = Dict[str, Tuple[List[float], List[float]]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot loss curves from an MMEngine JSON log')
    parser.add_argument('log', help='work dir, or a scalars.json / <timestamp>.json log file')
    parser.add_argument('--keys', nargs='+',
                        help="keys or shell patterns to plot, e.g. 'loss_d*' 'loss_g*' "
                        "(default: every key containing 'loss')")
    parser.add_argument('--out', required=True, help='output PNG path')
    parser.add_argument('--title', help='figure title (default: the log path)')
    return parser.parse_args()


def find_log(path: str) -> str:
    """The JSON log to read: ``path`` itself, or the newest run's scalars.json in a work dir."""
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path} is neither a JSON log file nor a work dir')
    # Run folders are named by timestamp, so the last in sorted order is the newest.
    for pattern in ('*/vis_data/scalars.json', '*/vis_data/*.json', '*.json'):
        candidates = sorted(glob.glob(osp.join(path, pattern)))
        candidates = [c for c in candidates if not c.endswith('config.json')]
        if candidates:
            return candidates[-1]
    raise FileNotFoundError(f'no JSON log under {path}: expected '
                            '<timestamp>/vis_data/scalars.json (written by LocalVisBackend)')


def read_rows(log_file: str) -> List[dict]:
    """The JSON objects of a JSON-lines log (blank lines skipped)."""
    rows = []
    with open(log_file, encoding='utf-8') as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise ValueError(f'{log_file}:{number} is not a JSON object ({error}); '
                                 'expected MMEngine scalars.json lines') from error
            if isinstance(row, dict):
                rows.append(row)
    return rows


def collect_curves(rows: Sequence[dict], keys: Optional[Sequence[str]],
                   log_file: str) -> Curves:
    """Per selected key, the (iterations, values) of the training rows that have it.

    Args:
        rows (Sequence[dict]): Log rows; training rows carry ``iter`` (or ``step``).
        keys (Sequence[str], optional): Names or shell patterns; ``None`` selects every
            numeric key containing ``'loss'``.
        log_file (str): For error messages.
    """
    numeric = {}
    for row in rows:
        x = row.get('iter', row.get('step'))
        if x is None:
            continue
        for key, value in row.items():
            if key in ('iter', 'step', 'epoch') or isinstance(value, bool) or \
                    not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            numeric.setdefault(key, ([], []))
            numeric[key][0].append(x)
            numeric[key][1].append(value)
    if keys is None:
        selected = [key for key in numeric if 'loss' in key]
        if not selected:
            raise KeyError(f'{log_file} has no loss keys; its keys are {sorted(numeric)}')
        return {key: numeric[key] for key in selected}
    selected = []
    for pattern in keys:
        matches = [key for key in numeric if fnmatch.fnmatchcase(key, pattern)]
        if not matches:
            raise KeyError(f'{log_file} has no key matching {pattern!r}; its keys are '
                           f'{sorted(numeric)}')
        selected += [key for key in matches if key not in selected]
    return {key: numeric[key] for key in selected}


def plot_curves(curves: Curves, out_file: str, title: str) -> None:
    """Draw one panel per curve (shared iteration axis) and write the PNG atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    columns = min(3, len(curves))
    rows = math.ceil(len(curves) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.2 * rows), sharex=True,
                                squeeze=False)
    for axis, (key, (iterations, values)) in zip(axes.flat, curves.items()):
        axis.plot(iterations, values, linewidth=1)
        axis.set_title(key)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(curves):]:
        axis.set_visible(False)
    for axis in axes[-1]:
        axis.set_xlabel('iteration')
    figure.suptitle(title)
    figure.tight_layout()
    atomic_write(out_file, lambda path: figure.savefig(path, format='png', dpi=100))
    plt.close(figure)


def main() -> None:
    args = parse_args()
    log_file = find_log(args.log)
    curves = collect_curves(read_rows(log_file), args.keys, log_file)
    plot_curves(curves, args.out, args.title or log_file)
    print(f'{len(curves)} curves ({", ".join(curves)}) from {log_file} -> {args.out}')


if __name__ == '__main__':
    run_cli(main)
