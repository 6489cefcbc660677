#!/usr/bin/env bash
# Install mmdmgan and its stack into the current Python environment.
#
#   bash tools/install.sh           full stack: torch, mmengine, mmcv 2.1.0 with CPU/CUDA ops
#                                   (built from source), MMagic 1.2.0 and its curated deps, and
#                                   the web demo's Gradio (requirements/demo.txt)
#   bash tools/install.sh --light   core only: torch, mmengine, mmcv-lite, numpy/opencv/pillow/ftfy
#                                   (no compiler, no MMagic; e.g. Python 3.12 + numpy 2 boxes)
#
# Idempotent: when everything is already in place it checks versions and exits in seconds.
# Fails loudly when a step did not do what it should (e.g. mmcv built without its ops).
# Set PYTHON to choose the interpreter (default: python, else python3, on PATH).
set -euo pipefail

PYTHON=${PYTHON:-$(command -v python || command -v python3)}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=full
case "${1:-}" in
  --light) MODE=light ;;
  "") ;;
  *) echo "usage: bash tools/install.sh [--light]" >&2; exit 2 ;;
esac

PIP=("$PYTHON" -m pip install --disable-pip-version-check)
log() { echo "[install] $*"; }
die() { echo "[install] ERROR: $*" >&2; exit 1; }

# Exit status 0 when the environment already holds the requested stack and this checkout.
check_stack() {
  # From / so that the import resolves through the installation, not the current directory.
  (cd / && MMDMGAN_ROOT="$ROOT" MODE="$MODE" "$PYTHON" - <<'EOF' 2>/dev/null
import os, sys
import torch, torchvision, mmengine, mmcv, numpy, cv2, PIL, ftfy, pytest  # noqa: F401
assert mmengine.__version__ == '0.10.7', mmengine.__version__
assert mmcv.__version__ == '2.1.0', mmcv.__version__
if os.environ['MODE'] == 'full':
    import mmcv._ext  # noqa: F401  the compiled ops
    import mmagic
    assert mmagic.__version__ == '1.2.0', mmagic.__version__
    import mmagic.models  # noqa: F401  imports diffusers/transformers/ops: the real test
    import mmagic.apis.inferencers  # noqa: F401  Text2ImageInferencer (needs controlnet-aux)
    import gradio, gradio_client, selenium  # noqa: F401, E401  the web demo and its tests
    assert gradio.__version__ == '5.14.0', gradio.__version__
import mmdmgan
here = os.path.dirname(os.path.dirname(os.path.abspath(mmdmgan.__file__)))
assert os.path.samefile(here, os.environ['MMDMGAN_ROOT']), here
EOF
  )
}

if check_stack; then
  log "already installed ($MODE): nothing to do"
  exit 0
fi

if [ "$MODE" = light ]; then
  log "installing the light core (torch, mmengine, mmcv-lite, numpy/opencv/pillow/ftfy)"
  "${PIP[@]}" -r "$ROOT/requirements/light.txt" -r "$ROOT/requirements/tests.txt"
else
  log "installing torch, mmengine, the pinned libraries and the web demo's Gradio"
  # One resolve for the three files, so Gradio's caps (pillow<12, markupsafe 2) hold.
  # setuptools<81 still has pkg_resources, which mmcv 2.1.0's setup.py imports.
  "${PIP[@]}" -r "$ROOT/requirements/full.txt" -r "$ROOT/requirements/tests.txt" \
    -r "$ROOT/requirements/demo.txt" 'setuptools<81' wheel ninja

  if "$PYTHON" -c "import mmcv, mmcv._ext; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
    log "mmcv 2.1.0 with ops already installed"
  else
    TORCH_TAG=$("$PYTHON" -c "import sys, torch; print(f'torch{torch.__version__}-py{sys.version_info[0]}{sys.version_info[1]}')")
    WHEEL_DIR=${MMDMGAN_WHEEL_CACHE:-$HOME/.cache/mmdmgan/wheels}/mmcv-2.1.0-$TORCH_TAG
    if ! ls "$WHEEL_DIR"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
      log "building mmcv 2.1.0 with its ops from source (about 10 minutes on 2 cores)"
      # torch>=2.4 headers need C++20; mmcv 2.1.0's setup.py hard-codes -std=c++17.
      WRAP=$(mktemp -d)
      REAL_CXX=$(command -v g++) || die "g++ not found: the full install compiles mmcv's ops (or use --light)"
      cat > "$WRAP/g++" <<EOF
#!/usr/bin/env bash
args=()
for a in "\$@"; do [ "\$a" = -std=c++17 ] && a=-std=c++20; args+=("\$a"); done
exec "$REAL_CXX" "\${args[@]}"
EOF
      chmod +x "$WRAP/g++"
      BUILD=$(mktemp -d)
      # --no-build-isolation: the build must see torch, else it silently skips the ops.
      PATH="$WRAP:$PATH" CC="$WRAP/g++" CXX="$WRAP/g++" MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "$PYTHON" -m pip wheel --no-deps --no-build-isolation --no-cache-dir --no-binary mmcv \
        -w "$BUILD" mmcv==2.1.0
      mkdir -p "$WHEEL_DIR"
      mv "$BUILD"/mmcv-2.1.0-*.whl "$WHEEL_DIR"/
      rm -rf "$WRAP" "$BUILD"
    fi
    "${PIP[@]}" --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-2.1.0-*.whl
    "${PIP[@]}" addict packaging pyyaml yapf
    "$PYTHON" -c "import mmcv._ext" \
      || die "mmcv 2.1.0 was installed WITHOUT its compiled ops; remove $WHEEL_DIR and rerun"
  fi

  log "installing MMagic 1.2.0 without its declared dependencies (they break its imports)"
  "${PIP[@]}" --no-deps mmagic==1.2.0
  "$PYTHON" -c "import mmagic.models, mmagic.apis.inferencers; from mmagic.utils import register_all_modules; register_all_modules()" \
    || die "MMagic 1.2.0 does not import; see the traceback above"
fi

log "installing mmdmgan from $ROOT (editable)"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"

check_stack || die "the environment still fails the final check; run: $PYTHON -c 'import mmdmgan'"
log "done ($MODE)"
