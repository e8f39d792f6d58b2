#!/usr/bin/env bash
# Peak memory (max RSS) of `hipflex analyze --no-video` against clip length: loops one
# 1080p shared clip (stream copy, no re-encode) to each length in /tmp (never commit
# these) and prints one JSON line per length, plus the per-frame slope and the ratio
# of the longest to the shortest. Target: the long clip within 1.3x of the 10 s one.
#   tools/bench_memory.sh [SECONDS...]        (default: 10 60 300)
#   HIPFLEX_BIN=/tmp/hipflex-before tools/bench_memory.sh 10 60
# A 1-hour clip (3600) is ~108000 frames: about an hour on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="${HIPFLEX_BIN:-target/release/hipflex}"
src="${HIPFLEX_BENCH_VIDEO:-${HIPFLEX_REAL_VIDEOS:-../shared/videos-real}/deadlift_ffreaks_1.mp4}"
lengths=("$@"); [ ${#lengths[@]} -gt 0 ] || lengths=(10 60 300)
work="${HIPFLEX_BENCH_TMP:-/tmp/hipflex-bench-memory}"
mkdir -p "$work"
results=()
for s in "${lengths[@]}"; do
  clip="$work/loop_${s}s.mp4"
  [ -s "$clip" ] || ffmpeg -v error -y -stream_loop -1 -i "$src" -t "$s" -an -c copy "$clip"
  frames=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$clip")
  out="$work/out_${s}s"; rm -rf "$out"
  /usr/bin/time -f "%M %e" -o "$work/time_${s}" "$bin" analyze "$clip" --phase 2 --no-video --force --out "$out" >/dev/null
  read -r kb wall < "$work/time_${s}"
  echo "{\"bench\":\"memory\",\"binary\":\"$bin\",\"clip_s\":$s,\"frames\":$frames,\"peak_rss_mib\":$((kb / 1024)),\"wall_s\":$wall}"
  results+=("$frames $kb")
done
first=(${results[0]}); last=(${results[-1]})
awk -v f0="${first[0]}" -v k0="${first[1]}" -v f1="${last[0]}" -v k1="${last[1]}" 'BEGIN {
  slope = (f1 > f0) ? (k1 - k0) / (f1 - f0) : 0;
  printf "{\"bench\":\"memory_slope\",\"kib_per_frame\":%.2f,\"ratio_long_to_short\":%.3f,\"projected_1h_30fps_mib\":%.0f}\n", slope, k1 / k0, (k0 + slope * (108000 - f0)) / 1024 }'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
