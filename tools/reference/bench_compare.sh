#!/usr/bin/env bash
# Ours vs diffusers on this machine, back to back, ROUNDS times (default 2):
#
#   tools/reference/bench_compare.sh [ROUNDS] [bench options: --steps N --size N --sd1 --no-vae --dtype T]
#
# (--dtype bfloat16/float16 goes to both: ours with `bench unet --dtype`, diffusers with torch_dtype.)
#
# Each round runs `./altdiffusion bench unet --json` and then tools/reference/bench_diffusers.py
# with the same options, which prints both side by side with the ratio ours/diffusers. The load
# average is printed before and after each run: on a shared machine, compare only rounds run under
# similar load. Logs and JSON go to ${BENCH_OUT:-target/bench}/round-N/. The Java heap is kept small
# (JAVA_OPTS, default -Xmx1g): the ~3.5 GB of UNet weights are native memory. Thread settings come
# from the usual ALTDIFFUSION_TORCH_THREADS / ALTDIFFUSION_BLAS_THREADS; diffusers gets torch threads
# = cores unless BENCH_DIFFUSERS_THREADS is set. BENCH_WAIT_IDLE=SECONDS makes each run first wait
# (at most that long) for 5 seconds in which the CPUs are at least 80% idle.
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

# Percentage of CPU time idle over the next 5 seconds, from /proc/stat.
idle_percent() {
  local a b
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 5
  read -r -a b < <(grep '^cpu ' /proc/stat)
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $((100 * (b[4] - a[4]) / (total > 0 ? total : 1)))
}

wait_idle() {
  local limit=${BENCH_WAIT_IDLE:-0} waited=0 idle
  while ((waited < limit)); do
    idle=$(idle_percent)
    if ((idle >= 80)); then
      echo "machine ${idle}% idle after ${waited} s of waiting"
      return
    fi
    waited=$((waited + 5))
  done
  ((limit > 0)) && echo "machine still busy after ${limit} s; running anyway"
  return 0
}
for ((r = 1; r <= rounds; r++)); do
  dir="$out/round-$r"
  mkdir -p "$dir"
  echo "== round $r of $rounds ($dir)"
  wait_idle
  echo "uptime before ours: $(uptime)"
  "$here/altdiffusion" bench unet --json "$dir/ours.json" "$@" | tee "$dir/ours.log"
  wait_idle
  echo "uptime before diffusers: $(uptime)"
  "$python" "$here/tools/reference/bench_diffusers.py" --json "$dir/diffusers.json" --compare "$dir/ours.json" \
    "${threads[@]}" "$@" 2>&1 | grep -v -i warn | tee "$dir/diffusers.log"
  echo "uptime after: $(uptime)"
done
