#!/usr/bin/env bash
# Growth of VAE decode time and peak memory with the picture size, ours and diffusers, tiled and
# not, each process on 2 threads (reference, not CI):
#
#     tools/reference/bench_vae_growth.sh [OUT_DIR] [WxH ...]     (default sizes 512x512 768x768
#                                                                   1024x1024 768x1344)
#
# IMPLS="ours diffusers" (default) picks the implementations, MODES="off on" the tiling modes, so
# that two invocations can run side by side; NO_BUILD=1 skips building the jar.
# One process per (implementation, size, tiling), so each peak RSS is that decode's. Tiled runs are
# skipped where the picture fits in one tile (SD 2.1's sample_size 768: tiling does not apply, the
# decode is the untiled one). A run that fails (e.g. killed when out of memory) is recorded with its
# exit status. Then prints the growth table (markdown) from all the JSON files in OUT_DIR, so runs
# of different sizes made at different times can be joined.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-/work/main/tools/reference/.venv/bin/python}"
[ -x "$python" ] || python="$here/tools/reference/.venv/bin/python"
out="${1:-$here/target/bench-vae}"
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(512x512 768x768 1024x1024 768x1344)
tile=768
mkdir -p "$out"
impls="${IMPLS:-ours diffusers}"
[ -n "${NO_BUILD:-}" ] || (cd "$here" && mvn -q -B -ntp -DskipTests package) || exit 1
export ALTDIFFUSION_TORCH_THREADS=2 ALTDIFFUSION_BLAS_THREADS=1 OMP_NUM_THREADS=2

run() { # name json command...
  local name="$1" json="$2"
  shift 2
  echo "== $name (load $(cut -d' ' -f1-3 /proc/loadavg), available $(awk '/MemAvailable/{printf "%.1f GB", $2/1e6}' /proc/meminfo))"
  "$@" 2>&1 | tail -n 2
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    printf '{"name": "%s", "failed": "exit %s%s"}\n' "$name" "$rc" \
      "$([ "$rc" -eq 137 ] && echo ', killed (out of memory?)')" >"$json"
  fi
}

for size in "${sizes[@]}"; do
  w="${size%x*}"
  h="${size#*x}"
  modes=(off)
  if [ "$w" -gt "$tile" ] || [ "$h" -gt "$tile" ]; then read -r -a modes <<<"${MODES:-off on}"; fi
  for mode in "${modes[@]}"; do
    [[ " $impls " == *" ours "* ]] && run "ours ${size} tiling ${mode}" "$out/ours-${size}-${mode}.json" \
      env JAVA_OPTS=-Xmx1g java -jar "$here/target/altdiffusion.jar" bench vae --width "$w" \
      --height "$h" --vae-tiling "$mode" --sample-size "$tile" --json "$out/ours-${size}-${mode}.json"
    [[ " $impls " == *" diffusers "* ]] && run "diffusers ${size} tiling ${mode}" "$out/diffusers-${size}-${mode}.json" \
      "$python" "$here/tools/reference/bench_vae_diffusers.py" --width "$w" --height "$h" \
      --tiling "$mode" --sample-size "$tile" --threads 2 --json "$out/diffusers-${size}-${mode}.json"
  done
done

"$python" - "$out" <<'PY'
import glob, json, os, sys
rows = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    impl, size, mode = os.path.basename(f)[:-5].split("-")
    rows[(size, impl, mode)] = json.load(open(f))
def key(s):
    w, h = map(int, s.split("x"))
    return (w * h, w)
print("| picture | implementation | tiling | decode s | RSS before MB | peak RSS MB | peak - before MB | load avg (start) |")
print("|---|---|---|---|---|---|---|---|")
for size in sorted({k[0] for k in rows}, key=key):
    for impl in ("ours", "diffusers"):
        for mode in ("off", "on"):
            r = rows.get((size, impl, mode))
            if r is None:
                continue
            if "failed" in r:
                print(f"| {size} | {impl} | {mode} | failed: {r['failed']} | | | | |")
                continue
            print(f"| {size} | {impl} | {mode} | {r['decode_s']:.1f} | {r['rss_before_mb']:,} | {r['peak_rss_mb']:,} | "
                  f"{r['peak_rss_mb'] - r['rss_before_mb']:,} | {r['load_average_start'].split()[0]} |")
PY
