#!/usr/bin/env bash
# Download the wheels the offline H200 machine (Python 3.12, torch 2.11 preinstalled, no
# internet) needs to run tools/benchmark_gpu.sh, into .whl/ (git-ignored; never commit them).
#
#   bash tools/download_gpu_wheels.sh        (here, where pip reaches the package index)
#
# The same set was measured enough for an MMEngine Runner to train there: mmengine, mmcv-lite
# (no compiled ops; the core does not import it, carried for the Runner's optional paths),
# addict, yapf, termcolor, platformdirs, ftfy, wcwidth (~3.6 MB). One version of each: pip
# refuses an install with two.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST="$ROOT/.whl"
PACKAGES=(mmengine==0.10.7 mmcv-lite==2.1.0 addict==2.4.0 yapf==0.43.0 termcolor==3.3.0
          platformdirs==4.14.8 ftfy==6.3.1 wcwidth==0.7.0)
mkdir -p "$DEST"
for package in "${PACKAGES[@]}"; do
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 --platform any -d "$DEST" "$package" \
    || { echo "download of $package failed" >&2; exit 1; }
done
ls -l "$DEST"
du -sh "$DEST"
