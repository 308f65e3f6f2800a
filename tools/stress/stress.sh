#!/usr/bin/env bash
# Stress harness (issue 22): runs the training loops and generation over and over in child JVMs,
# with garbage collections forced at random moments (jcmd GC.run every 2-6 s) and a small young
# generation (a collection every few milliseconds), two jobs side by side on 2 torch threads each (the machine
# loaded), and SIGTERM at random moments of a third of the jobs; collects JVM crash reports.
#
#   [LANES=2] tools/stress/stress.sh MINUTES OUT_DIR
#
# A job passes when it exits 0 (ran to its end) or 143 (SIGTERM: it must stop at a step boundary)
# and left no hs_err file. OUT_DIR/jobs.tsv has a line per job, OUT_DIR/summary.txt the totals,
# OUT_DIR/crashes/ any JVM crash report. The app is copied first, so a rebuild cannot disturb a run.
set -uo pipefail
minutes=${1:?minutes}
out=$(mkdir -p "${2:?out dir}" && cd "$2" && pwd)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ -f "$repo/target/altdiffusion.jar" ] || (cd "$repo" && mvn -q -B -ntp -DskipTests package)
mkdir -p "$out/app" "$out/crashes" "$out/work"
cp -r "$repo/target/altdiffusion.jar" "$repo/target/lib" "$out/app/"
models="$repo/models"
end=$(($(date +%s) + minutes * 60))
echo -e "start\tlane\tjob\trc\tseconds\tsigterm\tprogress" > "$out/jobs.tsv"

# A picture for img2img/inpainting/ControlNet: the built-in model's own output.
java -Xmx2g -jar "$out/app/altdiffusion.jar" generate --prompt "a large red circle on the left" \
  --seed 1 --out "$out/work/init.png" --quiet >/dev/null 2>&1
python3 - "$out/work/mask.png" <<'EOF'
import struct, sys, zlib
w = h = 64  # right half white: repaint it
rows = b"".join(b"\x00" + bytes([0] * 32 + [255] * 32) for _ in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF

samplers=("Euler a" "DPM++ 2M Karras" "Heun" "DPM2 a" "UniPC" "DDIM" "LMS" "DEIS" "DDPM" "PNDM")

# job NAME LANE -> prints the command's arguments, one per line
job_args() {
  local name=$1 w="$out/work/$2"
  case $name in
    clip) printf '%s\n' tiny train-clip --out "$w/clip" --steps 100 --batch-size 32 --threads 2 ;;
    distil) printf '%s\n' train-text-encoder --teacher "$models/teacher-clip/text_encoder" \
      --teacher-tokenizer "$models/teacher-clip/tokenizer" \
      --student "$models/altdiffusion-tiny/text_encoder" \
      --student-tokenizer "$models/altdiffusion-tiny/tokenizer" --data shapes --out "$w/te" \
      --max-length 32 --steps 24 --batch-size 8 --lr 1e-4 --checkpoint-every 6 --resume \
      --no-progress ;;
    unet) printf '%s\n' train-unet --model "$models/altdiffusion-tiny" --stage quality \
      --data shapes --resolution 64 --out "$w/unet" --steps 24 --batch-size 4 \
      --checkpoint-every 6 --resume --no-progress ;;
    lora) printf '%s\n' train-unet --model "$models/altdiffusion-tiny" --data shapes \
      --resolution 64 --lora-rank 4 --out "$w/lora" --steps 24 --batch-size 4 \
      --checkpoint-every 6 --resume --no-progress ;;
    controlnet) printf '%s\n' train-controlnet --model "$models/altdiffusion-tiny" --data shapes \
      --conditioning canny --resolution 64 --out "$w/cn" --steps 24 --batch-size 4 \
      --checkpoint-every 6 \
      --resume --no-progress ;;
    txt2img) printf '%s\n' generate --prompt "ein großer roter Kreis links" -b 4 --steps 30 \
      --sampler "${samplers[RANDOM % ${#samplers[@]}]}" --seed $RANDOM --out "$w/t.png" --quiet ;;
    img2img) printf '%s\n' generate --prompt "un petit carré bleu à droite" -b 2 --steps 30 \
      --init-image "$out/work/init.png" --strength 0.6 --seed $RANDOM --out "$w/i.png" --quiet ;;
    inpaint) printf '%s\n' generate --prompt "一个大的绿色三角形在右边" --init-image "$out/work/init.png" \
      --mask "$out/work/mask.png" --steps 30 --seed $RANDOM --out "$w/m.png" --quiet ;;
    hires) printf '%s\n' generate --prompt "a small yellow star at the top" --steps 20 \
      --hires-scale 2 --hires-steps 10 --lora "$models/lora/stripes.safetensors:0.8" \
      --seed $RANDOM --out "$w/h.png" --quiet ;;
    control) printf '%s\n' generate --prompt "a large blue square" --steps 20 \
      --controlnet "$w/cn/final" --control-image "$out/work/init.png" --control-preprocess canny \
      --seed $RANDOM --out "$w/c.png" --quiet ;;
  esac
}

# progress of a finished job: training steps logged, or pictures written
progress() {
  local name=$1 w="$out/work/$2"
  case $name in
    clip) grep -o 'step [0-9]*' "$w/job.log" | tail -1 | cut -d' ' -f2 ;;
    distil | unet | lora | controlnet)
      local dir=$w/${name/distil/te}; dir=${dir/\/controlnet/\/cn}
      local n; n=$(grep -c '"loss"' "$dir/log.jsonl" 2>/dev/null); echo "${n:-0}" ;;
    *) ls "$w"/*.png 2>/dev/null | wc -l ;;
  esac
}

run_lane() {
  local lane=$1 names=(clip txt2img distil img2img unet inpaint lora hires controlnet control) i=$1
  mkdir -p "$out/work/$lane"
  while [ "$(date +%s)" -lt "$end" ]; do
    local name=${names[i % ${#names[@]}]} w="$out/work/$lane"
    i=$((i + 1))
    [ "$name" = control ] && [ ! -d "$w/cn/final" ] && continue
    # a finished training run starts again; an interrupted one resumes
    case $name in distil) [ -d "$w/te/final" ] && rm -rf "$w/te" ;;
      unet | lora) [ -d "$w/$name/final" ] && rm -rf "$w/$name" ;;
      controlnet) [ -d "$w/cn/final" ] && [ $((RANDOM % 2)) = 0 ] && rm -rf "$w/cn" ;;
      txt2img | img2img | inpaint | hires | control) rm -f "$w"/*.png ;; esac
    mapfile -t args < <(job_args "$name" "$lane")
    local before=0
    case $name in distil | unet | lora | controlnet) before=$(progress "$name" "$lane") ;; esac
    local t0 ; t0=$(date +%s)
    ALTDIFFUSION_TORCH_THREADS=2 java -Xss8m -Xmx3g -Xmn16m \
      -XX:ErrorFile="$out/crashes/hs_err_%p.log" -jar "$out/app/altdiffusion.jar" "${args[@]}" \
      > "$w/job.log" 2>&1 &
    local pid=$! term=no
    local term_at=$(( RANDOM % 3 == 0 ? 3 + RANDOM % 25 : 100000 ))
    while kill -0 "$pid" 2>/dev/null; do
      sleep "$((2 + RANDOM % 4)).$((RANDOM % 10))"
      jcmd "$pid" GC.run >/dev/null 2>&1
      if [ $(($(date +%s) - t0)) -ge "$term_at" ] && [ $term = no ]; then
        kill -TERM "$pid" 2>/dev/null && term=yes
      fi
    done
    wait "$pid"; local rc=$?
    echo -e "$(date +%H:%M:%S)\t$lane\t$name\t$rc\t$(($(date +%s) - t0))\t$term\t$(($(progress "$name" "$lane") - before))" \
      >> "$out/jobs.tsv"
    if [ "$rc" != 0 ] && [ "$rc" != 143 ]; then cp "$w/job.log" "$out/crashes/failed-$lane-$name-$t0.log"; fi
  done
}

for lane in $(seq 0 $((${LANES:-2} - 1))); do run_lane "$lane" & done
wait
{
  echo "ran $minutes minutes, ${LANES:-2} lane(s)"
  awk -F'\t' 'NR > 1 { jobs++; if ($6 == "yes") terms++; if ($4 != 0 && $4 != 143) bad++;
    if ($3 ~ /clip|distil|unet|lora|controlnet/) steps += $7; else pictures += $7 }
    END { printf "jobs %d, SIGTERMs %d, failed (exit not 0/143) %d, training steps %d, pictures %d\n",
      jobs, terms, bad, steps, pictures }' "$out/jobs.tsv"
  echo "JVM crash reports: $(ls "$out/crashes"/hs_err_* 2>/dev/null | wc -l)"
} | tee "$out/summary.txt"
