#!/usr/bin/env bash
# Six implementations of the same guided SD 2.1 UNet step and VAE decode, back to back on this
# machine, each on the same thread count, and their ratios:
#
#   tools/reference/bench_precisions.sh [--size N] [--steps N] [--threads N]
#
# ours float32 and bfloat16 (`altdiffusion bench unet --dtype`), diffusers float32 and bfloat16
# (bench_diffusers.py --dtype), OpenVINO in its default precision (bf16 on CPUs with bf16
# instructions) and f32 (bench_openvino.py). BENCH_WAIT_IDLE=SECONDS makes each run first wait (at
# most that long) for 5 seconds in which the CPUs are at least 80% idle. JSON and logs go to
# ${BENCH_OUT:-target/bench-precisions}/. Needs tools/reference/setup.sh (diffusers, openvino).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="$here/tools/reference/.venv/bin/python"
out="${BENCH_OUT:-$here/target/bench-precisions}"
size=64 steps=3 threads=2
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "unknown option $1 (accepted: --size N --steps N --threads N)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
export JAVA_OPTS="${JAVA_OPTS:--Xmx1g}"
export ALTDIFFUSION_TORCH_THREADS=$threads

wait_idle() {
  local limit=${BENCH_WAIT_IDLE:-0} waited=0 a b total i idle
  while ((waited < limit)); do
    read -r -a a < <(grep '^cpu ' /proc/stat); sleep 5; read -r -a b < <(grep '^cpu ' /proc/stat)
    total=0; for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    idle=$((100 * (b[4] - a[4]) / (total > 0 ? total : 1)))
    ((idle >= 80)) && { echo "machine ${idle}% idle after ${waited} s"; return; }
    waited=$((waited + 5))
  done
}

common=(--size "$size" --steps "$steps")
for dtype in float32 bfloat16; do
  wait_idle
  "$here/altdiffusion" bench unet "${common[@]}" --dtype "$dtype" --json "$out/ours-$dtype.json" | tee "$out/ours-$dtype.log"
  wait_idle
  "$python" "$here/tools/reference/bench_diffusers.py" "${common[@]}" --threads "$threads" --dtype "$dtype" \
    --json "$out/diffusers-$dtype.json" 2>&1 | grep -v -i warn | tee "$out/diffusers-$dtype.log"
done
for precision in default f32; do
  wait_idle
  (cd "$here/tools/reference" && "$python" bench_openvino.py "${common[@]}" --threads "$threads" \
    --precision "$precision" --json "$out/openvino-$precision.json" 2>&1 | grep -v -i "warn\|shape\[0\]" \
    | tee "$out/openvino-$precision.log")
done
"$python" - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
runs = [("ours", "float32"), ("diffusers", "float32"), ("openvino", "f32"),
        ("ours", "bfloat16"), ("diffusers", "bfloat16"), ("openvino", "default")]
figures = {r: json.load(open(os.path.join(out, f"{r[0]}-{r[1]}.json"))) for r in runs}
base = figures[("ours", "float32")]
print(f"{'':24} {'guided step (s)':>16} {'/ ours fp32':>12} {'VAE decode (s)':>15} {'/ ours fp32':>12} {'peak RSS MB':>12}")
for r in runs:
    f = figures[r]
    step, vae = f["step_median_s"], f.get("vae_decode_s")
    print(f"{r[0] + ' ' + r[1]:24} {step:16.2f} {step / base['step_median_s']:12.2f} "
          f"{(vae or 0):15.2f} {(vae / base['vae_decode_s'] if vae else 0):12.2f} {f.get('peak_rss_mb', 0):12,}")
ob, db, vb = figures[("ours", "bfloat16")], figures[("diffusers", "bfloat16")], figures[("openvino", "default")]
print(f"ours bf16 / diffusers bf16: {ob['step_median_s'] / db['step_median_s']:.2f}; "
      f"ours bf16 / OpenVINO default: {ob['step_median_s'] / vb['step_median_s']:.2f}; "
      f"ours fp32 / diffusers fp32: {base['step_median_s'] / figures[('diffusers', 'float32')]['step_median_s']:.2f}")
PY
