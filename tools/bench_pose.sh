#!/usr/bin/env bash
# Benchmarks hipflex's pose pipeline against MediaPipe's Python pipeline on the same
# clip, in one run. Needs the MediaPipe venv (see tools/requirements-mediapipe.txt).
#   tools/bench_pose.sh [VIDEO]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
video="${1:-${HIPFLEX_REAL_VIDEOS:-../shared/videos-real}/squat_fittransformer_1.mp4}"
py="${MEDIAPIPE_PYTHON:-/work/venvs/mp/bin/python}"
HIPFLEX_BENCH_VIDEO="$video" cargo bench --quiet --bench pose_throughput
for m in lite full; do
  "$py" tools/bench_mediapipe.py "$video" --model "$m"
done
