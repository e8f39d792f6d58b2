#!/usr/bin/env bash
# Batch scaling: `hipflex batch --jobs 1` against `--jobs 2` on the same clips, whole
# processes, alternating rounds so machine load hits both alike. Prints per round and
# configuration the wall time, videos per minute and CPU seconds (user+sys) per video,
# then the median throughput ratio (target: at least 1.8x on 2 cores). When CPU seconds
# per video stay flat from 1 to 2 workers, the cores are the limit; when they grow, the
# workers contend (memory bandwidth, shared decode threads, oversubscription).
#   tools/bench_batch_scaling.sh [ROUNDS] [VIDEO...]   (default: 3 rounds, videos/*.mp4)
#   HIPFLEX_BIN=... tools/bench_batch_scaling.sh 3 ../shared/videos-real/bridge_*.mp4
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="${HIPFLEX_BIN:-target/release/hipflex}"
rounds="${1:-3}"; shift || true
videos=("$@"); [ ${#videos[@]} -gt 0 ] || videos=(videos/*.mp4)
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/in"
for v in "${videos[@]}"; do ln -s "$(realpath "$v")" "$tmp/in/$(basename "$v")"; done
n=${#videos[@]}
: > "$tmp/t"
for ((r = 1; r <= rounds; r++)); do
  for jobs in 1 2; do
    rm -rf "$tmp/out"
    /usr/bin/time -f "$jobs %e %U %S" -a -o "$tmp/t" \
      "$bin" batch "$tmp/in" --out "$tmp/out" --jobs "$jobs" --no-video --no-db --phase 2 >/dev/null 2>&1
    tail -1 "$tmp/t" | awk -v n="$n" -v r="$r" '{
      printf "{\"bench\":\"batch_scaling\",\"round\":%d,\"jobs\":%d,\"videos\":%d,\"wall_s\":%.2f,\"videos_per_min\":%.2f,\"cpu_s_per_video\":%.2f}\n",
        r, $1, n, $2, 60 * n / $2, ($3 + $4) / n }'
  done
done
med() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
w1=$(awk '$1 == 1 {print $2}' "$tmp/t" | med); w2=$(awk '$1 == 2 {print $2}' "$tmp/t" | med)
c1=$(awk '$1 == 1 {print $3 + $4}' "$tmp/t" | med); c2=$(awk '$1 == 2 {print $3 + $4}' "$tmp/t" | med)
awk -v w1="$w1" -v w2="$w2" -v c1="$c1" -v c2="$c2" -v n="$n" 'BEGIN {
  printf "{\"bench\":\"batch_scaling_summary\",\"median_wall_1\":%.2f,\"median_wall_2\":%.2f,\"throughput_ratio_2_to_1\":%.2f,\"cpu_s_per_video_1\":%.2f,\"cpu_s_per_video_2\":%.2f}\n",
    w1, w2, w1 / w2, c1 / n, c2 / n }'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
