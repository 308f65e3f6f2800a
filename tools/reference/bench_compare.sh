#!/usr/bin/env bash
# Ours vs diffusers on this machine, back to back, ROUNDS times (default 2):
#
#   tools/reference/bench_compare.sh [ROUNDS] [bench options: --steps N --size N --sd1 --no-vae]
#
# Each round runs `./altdiffusion bench unet --json` and then tools/reference/bench_diffusers.py
# with the same options, which prints both side by side with the ratio ours/diffusers. The load
# average is printed before and after each run: on a shared machine, compare only rounds run under
# similar load. Logs and JSON go to ${BENCH_OUT:-target/bench}/round-N/. The Java heap is kept small
# (JAVA_OPTS, default -Xmx1g): the ~3.5 GB of UNet weights are native memory. Thread settings come
# from the usual ALTDIFFUSION_TORCH_THREADS / ALTDIFFUSION_BLAS_THREADS; diffusers gets torch threads
# = cores unless BENCH_DIFFUSERS_THREADS is set.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds=2
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  rounds=$1
  shift
fi
python="$here/tools/reference/.venv/bin/python"
out="${BENCH_OUT:-$here/target/bench}"
threads=()
[[ -n ${BENCH_DIFFUSERS_THREADS:-} ]] && threads=(--threads "$BENCH_DIFFUSERS_THREADS")
export JAVA_OPTS="${JAVA_OPTS:--Xmx1g}"
for ((r = 1; r <= rounds; r++)); do
  dir="$out/round-$r"
  mkdir -p "$dir"
  echo "== round $r of $rounds ($dir)"
  echo "uptime before ours: $(uptime)"
  "$here/altdiffusion" bench unet --json "$dir/ours.json" "$@" | tee "$dir/ours.log"
  echo "uptime before diffusers: $(uptime)"
  "$python" "$here/tools/reference/bench_diffusers.py" --json "$dir/diffusers.json" --compare "$dir/ours.json" \
    "${threads[@]}" "$@" 2>&1 | grep -v -i warn | tee "$dir/diffusers.log"
  echo "uptime after: $(uptime)"
done
