#!/usr/bin/env bash
# The prepared H200 measurement of issue 8, in one run (~8 minutes): the benchmark matrix
# (reference-equivalent fp32 eager vs the fast path), a CUDA numerics check of the fast path,
# and profiler top-kernel tables. Results go to $OUT (the device tool's output folder; default
# work_dirs/benchmark_gpu): bench.jsonl (one JSON line per run, with a "name"), bench.log
# (stderr of every run), env.txt, profile_train.txt, profile_infer.txt.
#
# Needs the wheels of tools/download_gpu_wheels.sh in .whl/ (the machine has no internet).
# Device tool call: carry ['.whl'], timeout_s 600, command `bash tools/benchmark_gpu.sh`.
# BUDGET_S (default 480) bounds the whole matrix: runs that would start past it are skipped
# (and say so), so that the files still come back. Runs are ordered by importance.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-work_dirs/benchmark_gpu}
BUDGET_S=${BUDGET_S:-480}
mkdir -p "$OUT"
JSONL=$OUT/bench.jsonl LOG=$OUT/bench.log
: >"$JSONL"; : >"$LOG"

if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || { echo 'wheel install failed' >&2; exit 1; }
  export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}
else
  echo 'no .whl/ here: using the installed mmengine (run tools/download_gpu_wheels.sh)' >&2
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1
{ nvidia-smi; python3 -c 'import torch, mmengine, sys; print(sys.version); print("torch",
  torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version());
  print("mmengine", mmengine.__version__); print(torch.cuda.get_device_name())'; nproc; } \
  >"$OUT/env.txt" 2>&1

START=$SECONDS
# bench NAME LIMIT_S ARGS...: one tools/benchmark.py run on CUDA, its JSON line tagged NAME.
bench() {
  local name=$1 limit=$2 left; shift 2
  left=$((BUDGET_S - (SECONDS - START)))
  if ((left < 30)); then echo "SKIP $name (budget spent)" | tee -a "$LOG"; return; fi
  ((limit > left)) && limit=$left
  echo "== $name (limit ${limit}s): $*" >>"$LOG"
  local line
  if line=$(timeout "$limit" python3 tools/benchmark.py "$@" --device "$DEVICE" 2>>"$LOG" | tail -1) \
      && [[ $line == \{* ]]; then
    python3 - "$name" "$line" "$JSONL" <<'PY'
import json, sys
name, line, jsonl = sys.argv[1:]
result = dict(name=name, **json.loads(line))
with open(jsonl, 'a') as file:
    file.write(json.dumps(result) + '\n')
print(f"{name:28s} {result['s_per_iter'] * 1e3:9.2f} ms {result['img_per_s']:9.1f} img/s "
      f"{result['achieved_tflops']:7.1f} TFLOP/s {result['peak_memory_mb'] / 1024:6.1f} GiB")
PY
  else
    echo "FAIL $name after $((SECONDS - START))s (see bench.log)" | tee -a "$LOG"
  fi
}

# DEVICE, CUB and COCO may be overridden for a dry run of this script's logic, e.g.
# DEVICE=cpu CUB=tests/configs/dmgan_tiny.py COCO=tests/configs/dmgan_tiny.py
# PYTHONPATH=tests/configs BUDGET_S=60 bash tools/benchmark_gpu.sh
DEVICE=${DEVICE:-cuda} CUB=${CUB:-configs/dmgan_cub.py} COCO=${COCO:-configs/dmgan_coco.py}
REF=(--tf32)                          # the reference's settings: fp32 with TF32, cuDNN benchmark
FAST=(--amp --sdpa --channels-last)   # bf16 autocast, fused memory read, channels-last
TRAIN=(--mode train --iters 10 --warmup 3)
INFER=(--mode infer --iters 30 --warmup 5)

bench cub_train_b32_ref 90 "$CUB" "${TRAIN[@]}" --batch 32 "${REF[@]}"
bench cub_train_b32_fast 90 "$CUB" "${TRAIN[@]}" --batch 32 "${FAST[@]}" \
  --profile "$OUT/profile_train.txt"
bench cub_train_b10_ref 60 "$CUB" "${TRAIN[@]}" --batch 10 "${REF[@]}"
bench cub_train_b10_fast 60 "$CUB" "${TRAIN[@]}" --batch 10 "${FAST[@]}"
bench infer_b64_ref 60 "$CUB" "${INFER[@]}" --batch 64 "${REF[@]}"
bench infer_b64_fast 60 "$CUB" "${INFER[@]}" --batch 64 "${FAST[@]}" \
  --profile "$OUT/profile_infer.txt"
bench infer_b1_ref 60 "$CUB" "${INFER[@]}" --batch 1 "${REF[@]}"
bench infer_b1_fast 60 "$CUB" "${INFER[@]}" --batch 1 "${FAST[@]}"
bench coco_train_b16_ref 70 "$COCO" "${TRAIN[@]}" --batch 16 "${REF[@]}"
bench coco_train_b16_fast 70 "$COCO" "${TRAIN[@]}" --batch 16 "${FAST[@]}"

# Fast path vs fp32 on CUDA at CUB size: images of the same generator, weights and noise.
echo "== numerics_cuda" >>"$LOG"
timeout 60 python3 - >>"$JSONL" 2>>"$LOG" <<'PY' || echo "FAIL numerics_cuda" | tee -a "$LOG"
import json
import torch
from mmdmgan.models.dmgan import DMGANGenerator
torch.manual_seed(0)
reference = DMGANGenerator().cuda()  # CUB size: gf 64, 3 stages, 256 px
fast = DMGANGenerator(attention_impl='sdpa').cuda()
fast.load_state_dict(reference.state_dict())
fast.to(memory_format=torch.channels_last)
batch, words_num = 16, 18
rng = torch.Generator(device='cuda').manual_seed(1)
lengths = torch.randint(3, words_num + 1, (batch,), device='cuda', generator=rng)
mask = torch.arange(words_num, device='cuda')[None] >= lengths[:, None]
inputs = dict(noise=torch.randn(batch, 100, device='cuda', generator=rng),
              sentence=torch.randn(batch, 256, device='cuda', generator=rng),
              words=torch.randn(batch, 256, words_num, device='cuda',
                                generator=rng).masked_fill(mask[:, None], 0),
              word_mask=mask, ca_epsilon=torch.randn(batch, 100, device='cuda', generator=rng))
torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
for training in (True, False):
    reference.train(training), fast.train(training)
    with torch.no_grad():
        expected = reference(**inputs, return_attention=False).images[-1]
        fused = fast(**inputs, return_attention=False).images[-1]
        with torch.autocast('cuda', dtype=torch.bfloat16):
            low = fast(**inputs, return_attention=False).images[-1].float()
    for name, actual in (('fp32_sdpa_channels_last', fused), ('bf16_sdpa_channels_last', low)):
        error = (actual - expected).abs()
        print(json.dumps(dict(name=f'numerics_cuda_{name}', training=training,
                              max_abs=error.max().item(), mean_abs=error.mean().item())))
PY
tail -4 "$JSONL"

# torch.compile last: slow to compile, and the eager numbers above matter first.
COMPILED=("${FAST[@]}" --compile)
bench cub_train_b32_fast_compile 200 "$CUB" "${TRAIN[@]}" --batch 32 "${COMPILED[@]}"
bench infer_b64_fast_compile 120 "$CUB" "${INFER[@]}" --batch 64 "${COMPILED[@]}"
bench infer_b1_fast_cudagraphs 120 "$CUB" "${INFER[@]}" --batch 1 "${COMPILED[@]}" \
  --compile-mode reduce-overhead
echo "done in $((SECONDS - START))s; $(wc -l <"$JSONL") result lines in $JSONL"
