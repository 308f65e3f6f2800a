#!/usr/bin/env bash
# Long fuzzing run: each Jazzer target in turn (Jazzer fuzzes one target per JVM) for N executions,
# then the corpus it grew is added to the target's committed Inputs folder (replayed by every build).
# Usage: tools/fuzz/run_long.sh [EXECUTIONS=100000] [TARGET_FILTER_REGEX]
# Prints one line per target: executions, coverage, corpus size, findings; exits 1 on any finding.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-100000}"
filter="${2:-.}"
targets=(
  io.CheckpointsFuzzTest#safetensors io.CheckpointsFuzzTest#pytorch io.ConfigsFuzzTest#config
  tokenizer.TokenizerFilesFuzzTest#sentencepiece tokenizer.TokenizerFilesFuzzTest#tokenizerJson
  tokenizer.TokenizerFilesFuzzTest#clipVocabAndMerges image.ImageInputsFuzzTest#pictureAndMask
  lora.LoraFilesFuzzTest#safetensors lora.LoraFilesFuzzTest#pytorch
  server.RequestBodiesFuzzTest#a1111Json server.RequestBodiesFuzzTest#multipart
  server.RequestBodiesFuzzTest#stylesCsv prompt.PromptSyntaxFuzzTest#prompt
)
mkdir -p target/fuzz-logs
mvn -B -ntp -q test-compile || exit 2
failed=0
for t in "${targets[@]}"; do
  [[ "$t" =~ $filter ]] || continue
  class="${t%#*}"; method="${t#*#}"; simple="${class##*.}"; pkg="${class%.*}"
  log="target/fuzz-logs/${simple}-${method}.log"
  mvn -B -ntp -o surefire:test -Pfuzz -Dtest="${simple}#${method}" \
    -Djazzer.max_executions="$runs" -Djazzer.internal.arg.0=-timeout=30 >"$log" 2>&1
  rc=$?
  done_line=$(grep -E "DONE|Done [0-9]+ runs" "$log" | tr '\n' ' ')
  corpus=".cifuzz-corpus/org.altdiffusion.${class}/${method}"
  inputs="src/test/resources/org/altdiffusion/${pkg//.//}/${simple}Inputs/${method}"
  added=0
  if [ -d "$corpus" ]; then
    mkdir -p "$inputs"
    for f in "$corpus"/*; do
      [ -f "$f" ] || continue
      # keep the committed corpus small: inputs up to 64 KiB
      if [ "$(stat -c %s "$f")" -le 65536 ] && [ ! -e "$inputs/$(basename "$f")" ]; then
        cp "$f" "$inputs/" && added=$((added + 1))
      fi
    done
  fi
  echo "$t rc=$rc added=$added $done_line"
  [ $rc -eq 0 ] || failed=1
done
exit $failed
