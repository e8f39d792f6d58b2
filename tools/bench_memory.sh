#!/usr/bin/env bash
# Peak memory (max RSS) of `hipflex analyze` against clip length, the two figures of
# issue 11:
# 1. `analyze --no-video` on one 1080p shared clip looped (stream copy, no re-encode) to
#    each length in /tmp (never commit these): one JSON line per length, then the
#    per-frame slope, the ratio of the longest to the shortest and the projected 1-hour
#    (108,000 frames) peak and ratio. A real 1-hour clip takes hours on 2 cores, so measure
#    10 s and a few minutes and read the projection.
# 2. `analyze --from-landmarks` on a landmarks file of 10 s and of 1 hour (a dump of the
#    same clip repeated, timestamps continued): both measured, no projection.
# Target: the 1-hour clip within 1.3x of the 10 s one.
#   tools/bench_memory.sh [SECONDS...]        (default: 10 60 300)
#   HIPFLEX_BIN=/tmp/hipflex-before tools/bench_memory.sh 10 60
#   HIPFLEX_BENCH_LANDMARKS=dump.json         (default: $HIPFLEX_LANDMARKS_DIR/<clip>.json,
#                                              else made with `hipflex pose`)
#   HIPFLEX_BENCH_SKIP_VIDEO=1 / HIPFLEX_BENCH_SKIP_LANDMARKS=1   one part only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="${HIPFLEX_BIN:-target/release/hipflex}"
src="${HIPFLEX_BENCH_VIDEO:-${HIPFLEX_REAL_VIDEOS:-../shared/videos-real}/deadlift_ffreaks_1.mp4}"
lengths=("$@"); [ ${#lengths[@]} -gt 0 ] || lengths=(10 60 300)
work="${HIPFLEX_BENCH_TMP:-/tmp/hipflex-bench-memory}"
mkdir -p "$work"

# peak KiB and wall seconds of one `hipflex analyze` run: measure OUT ARGS...
measure() {
  local out="$1"; shift
  rm -rf "$out"
  /usr/bin/time -f "%M %e" -o "$out.time" "$bin" analyze "$@" --phase 2 --force --out "$out" >/dev/null 2>"$out.err"
  cat "$out.time"
}

# slope and ratio of the last measurement to the first: slope NAME F0 K0 F1 K1
slope() {
  awk -v name="$1" -v f0="$2" -v k0="$3" -v f1="$4" -v k1="$5" 'BEGIN {
    slope = (f1 > f0) ? (k1 - k0) / (f1 - f0) : 0; p = k0 + slope * (108000 - f0);
    printf "{\"bench\":\"%s\",\"kib_per_frame\":%.3f,\"ratio_long_to_short\":%.3f,\"projected_1h_30fps_mib\":%.0f,\"projected_1h_ratio\":%.3f}\n", name, slope, k1 / k0, p / 1024, p / k0 }'
}

if [ -z "${HIPFLEX_BENCH_SKIP_VIDEO:-}" ]; then
  results=()
  for s in "${lengths[@]}"; do
    clip="$work/loop_${s}s.mp4"
    [ -s "$clip" ] || ffmpeg -v error -y -stream_loop -1 -i "$src" -t "$s" -an -c copy "$clip"
    frames=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$clip")
    read -r kb wall < <(measure "$work/out_${s}s" "$clip" --no-video)
    echo "{\"bench\":\"memory\",\"binary\":\"$bin\",\"clip_s\":$s,\"frames\":$frames,\"peak_rss_mib\":$((kb / 1024)),\"wall_s\":$wall}"
    results+=("$frames $kb")
  done
  first=(${results[0]}); last=(${results[-1]})
  slope memory_slope "${first[0]}" "${first[1]}" "${last[0]}" "${last[1]}"
fi

if [ -z "${HIPFLEX_BENCH_SKIP_LANDMARKS:-}" ]; then
  name=$(basename "${src%.*}")
  dump="${HIPFLEX_BENCH_LANDMARKS:-${HIPFLEX_LANDMARKS_DIR:+$HIPFLEX_LANDMARKS_DIR/$name.json}}"
  if [ -z "$dump" ] || [ ! -s "$dump" ]; then
    dump="$work/$name.landmarks.json"
    [ -s "$dump" ] || "$bin" pose "$src" -o "$dump" >/dev/null
  fi
  lm=()
  for s in 10 3600; do
    file="$work/landmarks_${s}s.json"
    [ -s "$file" ] || python3 - "$dump" "$s" "$file" <<'EOF'
import json, sys
src, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
d = json.load(open(src))
frames, fps = d["frames"], d["header"]["video"]["nominal_fps"] or 30.0
n = int(round(seconds * fps))
d["header"]["video"]["frame_count_hint"] = n
with open(out + ".part", "w") as f:
    f.write('{"header":' + json.dumps(d["header"]) + ',"frames":[')
    for i in range(n):
        x = dict(frames[i % len(frames)], index=i, timestamp_s=i / fps)
        f.write(("," if i else "") + json.dumps(x))
    f.write("]}")
open(out + ".frames", "w").write(str(n))
import os; os.replace(out + ".part", out)
EOF
    frames=$(cat "$file.frames")
    read -r kb wall < <(measure "$work/out_landmarks_${s}s" --from-landmarks "$file")
    echo "{\"bench\":\"memory_from_landmarks\",\"binary\":\"$bin\",\"clip_s\":$s,\"frames\":$frames,\"peak_rss_mib\":$((kb / 1024)),\"wall_s\":$wall}"
    lm+=("$frames $kb")
  done
  first=(${lm[0]}); last=(${lm[-1]})
  slope memory_from_landmarks_slope "${first[0]}" "${first[1]}" "${last[0]}" "${last[1]}"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
