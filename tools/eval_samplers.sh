#!/usr/bin/env bash
# The built-in model's eval accuracy per sampler at 10 and 25 steps, as a Markdown table for the
# README: for every row of `altdiffusion samplers --names` (or the samplers given as arguments),
# `altdiffusion eval --base none --sampler NAME --steps S --prompts-per-language N --negative-cases 0`
# at S = 10 and 25.
#
# Usage: tools/eval_samplers.sh [SAMPLER ...]
#   PROMPTS=N   prompts per language (default 2: 36 pictures per run, each language its own two
#               of the 48 held-out combinations; the whole table of ~27 samplers then takes about
#               35-40 minutes on 2 quiet cores, most of it the fixed start-up of 54 runs)
#   OUT=FILE    the table (default docs/eval/samplers.md); each run's eval.md/eval.json/log stay
#               in WORK (default work/eval-samplers/<sampler>-<steps>/)
# Accuracy: the mean over the 18 languages of the attribute accuracy the pixel oracle reads back
# (shape, colour, position, size); seconds: the time generating took (not loading or scoring).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
prompts="${PROMPTS:-2}"
out="${OUT:-docs/eval/samplers.md}"
work="${WORK:-work/eval-samplers}"
mkdir -p "$work" "$(dirname "$out")"

if [ "$#" -gt 0 ]; then
  samplers=("$@")
else
  mapfile -t samplers < <(./altdiffusion samplers --names)
fi

# "key" : value from Jackson's pretty printer
field() { sed -n "s/.*\"$1\" : \([0-9.]*\).*/\1/p" "$2" | head -n 1; }

started=$(date +%s)
rows=()
for name in "${samplers[@]}"; do
  slug=$(printf '%s' "$name" | tr -c 'A-Za-z0-9+' '_' | tr '+' 'p')
  cells=""
  for steps in 10 25; do
    dir="$work/$slug-$steps"
    mkdir -p "$dir"
    echo "== $name, $steps steps" >&2
    if ./altdiffusion eval --base none --sampler "$name" --steps "$steps" \
      --prompts-per-language "$prompts" --negative-cases 0 --out "$dir" >"$dir/log.txt" 2>&1; then
      acc=$(field mean_attribute_accuracy "$dir/eval.json")
      secs=$(field generation_seconds "$dir/eval.json")
      cells="$cells $(printf '%.1f%%' "$acc") | $(printf '%.0f' "$secs") |"
    else
      why=$(grep -m1 -i "error" "$dir/log.txt" | tr '|' '/' | cut -c1-80 || true)
      cells="$cells failed: ${why:-see $dir/log.txt} | - |"
    fi
  done
  rows+=("| $name |$cells")
done
minutes=$(( ($(date +%s) - started + 59) / 60 ))

{
  echo "| sampler | accuracy, 10 steps | seconds | accuracy, 25 steps | seconds |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "The built-in model (\`eval --base none --prompts-per-language $prompts\`): mean over the 18"
  echo "languages of the attribute accuracy the pixel oracle reads back, $prompts held-out"
  echo "combinations per language ($((prompts * 18)) pictures per run, guidance 7.5, seeds 0..$((prompts - 1)));"
  echo "seconds: generating the $((prompts * 18)) pictures on $(nproc) cores. Written by"
  echo "tools/eval_samplers.sh on $(date -u +%Y-%m-%d) in $minutes minutes."
} >"$out"
cat "$out"
