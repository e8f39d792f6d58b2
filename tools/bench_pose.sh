#!/usr/bin/env bash
# Benchmarks hipflex's pose pipeline against MediaPipe's Python pipeline on the same
# clip, in one run. Needs the MediaPipe venv (see tools/requirements-mediapipe.txt).
#   tools/bench_pose.sh [VIDEO]                 in-process loops (cargo bench) + MediaPipe
#   tools/bench_pose.sh --whole [RUNS] [BIN...] whole processes, alternating runs, on a
#       3 s and a 60 s 1080x1920 clip cut/looped from VIDEO's default (kept in /tmp):
#       `hipflex pose` for each BIN (default target/release/hipflex), MediaPipe Python
#       (one decode + inference pass), and the bound: `hipflex info` (decode alone,
#       whole process) plus the slowest per-frame stage (inference) of the pose run.
#       Prints median fps per tool and clip as JSON lines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
src_default="${HIPFLEX_REAL_VIDEOS:-../shared/videos-real}/squat_fittransformer_1.mp4"
py="${MEDIAPIPE_PYTHON:-/work/venvs/mp/bin/python}"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

if [ "${1:-}" != "--whole" ]; then
  video="${1:-$src_default}"
  HIPFLEX_BENCH_VIDEO="$video" cargo bench --quiet --bench pose_throughput
  for m in lite full; do
    "$py" tools/bench_mediapipe.py "$video" --model "$m"
  done
  exit 0
fi

shift
runs="${1:-3}"; shift || true
bins=("$@"); [ ${#bins[@]} -gt 0 ] || bins=(target/release/hipflex)
src="${HIPFLEX_BENCH_VIDEO:-$src_default}"
work="${HIPFLEX_BENCH_TMP:-/tmp/hipflex-bench-pose}"
mkdir -p "$work"
[ -s "$work/clip_3s.mp4" ] || ffmpeg -v error -y -i "$src" -t 3 -an -c:v libx264 -crf 18 "$work/clip_3s.mp4"
[ -s "$work/clip_60s.mp4" ] || ffmpeg -v error -y -stream_loop -1 -i "$src" -t 60 -an -c copy "$work/clip_60s.mp4"
have_mp=0; "$py" -c "import mediapipe" 2>/dev/null && have_mp=1 || echo "MediaPipe Python not found at $py: skipped" >&2
for clip in 3s 60s; do
  v="$work/clip_$clip.mp4"
  frames=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$v")
  : > "$work/t_$clip"
  for ((i = 0; i < runs; i++)); do
    for j in "${!bins[@]}"; do
      s=$(date +%s.%N)
      "${bins[$j]}" pose "$v" -o "$work/o.csv" --force > "$work/pose_${clip}_$j.txt"
      echo "pose$j $(echo "$(date +%s.%N) - $s" | bc)" >> "$work/t_$clip"
    done
    s=$(date +%s.%N); "${bins[-1]}" info "$v" > /dev/null
    echo "info $(echo "$(date +%s.%N) - $s" | bc)" >> "$work/t_$clip"
    if [ $have_mp = 1 ]; then
      s=$(date +%s.%N); "$py" tools/bench_mediapipe.py "$v" --model full --no-decode-pass > /dev/null
      echo "mp $(echo "$(date +%s.%N) - $s" | bc)" >> "$work/t_$clip"
    fi
  done
  fps() { grep "^$1 " "$work/t_$clip" | awk -v n="$frames" '{print n / $2}' | median; }
  for j in "${!bins[@]}"; do
    echo "{\"bench\":\"pose_whole_process\",\"clip\":\"$clip\",\"frames\":$frames,\"tool\":\"hipflex\",\"binary\":\"${bins[$j]}\",\"runs\":$runs,\"median_fps\":$(fps pose$j)}"
  done
  [ $have_mp = 1 ] && echo "{\"bench\":\"pose_whole_process\",\"clip\":\"$clip\",\"frames\":$frames,\"tool\":\"mediapipe-python-0.10.14\",\"model\":\"full\",\"runs\":$runs,\"median_fps\":$(fps mp)}"
  # Bound: decode alone (whole `hipflex info` process) + the slowest stage (inference) per frame.
  inf_ms=$(sed -n 's/.*inference \([0-9.]*\) ms.*/\1/p' "$work/pose_${clip}_$((${#bins[@]} - 1)).txt")
  info_s=$(grep "^info " "$work/t_$clip" | awk '{print $2}' | median)
  echo "{\"bench\":\"pose_bound\",\"clip\":\"$clip\",\"decode_alone_fps\":$(echo "$frames / $info_s" | bc -l | cut -c1-6),\"inference_ms\":$inf_ms,\"bound_fps\":$(echo "$frames / ($info_s + $frames * $inf_ms / 1000)" | bc -l | cut -c1-6)}"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
