#!/usr/bin/env bash
# Start-up cost of `hipflex pose` on a 2-frame clip, whole processes, alternating
# between binaries so machine load hits them alike. Prints the median wall and CPU
# (user+sys) seconds per binary, and `hipflex --version` (the dynamic loader alone).
#   tools/bench_startup.sh [RUNS] [BINARY...]     (default: 9 runs, target/release/hipflex)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-9}"; shift || true
bins=("$@"); [ ${#bins[@]} -gt 0 ] || bins=(target/release/hipflex)
src="${HIPFLEX_BENCH_VIDEO:-${HIPFLEX_REAL_VIDEOS:-../shared/videos-real}/squat_fittransformer_1.mp4}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
ffmpeg -v error -y -i "$src" -frames:v 2 -an -c:v libx264 "$tmp/two.mp4"
for b in "${bins[@]}"; do "$b" pose "$tmp/two.mp4" -o "$tmp/o.csv" --force >/dev/null; done # warm caches
for ((i = 0; i < runs; i++)); do
  for j in "${!bins[@]}"; do
    b="${bins[$j]}"
    /usr/bin/time -f "$j pose %e %U %S" -a -o "$tmp/t" "$b" pose "$tmp/two.mp4" -o "$tmp/o.csv" --force >/dev/null
    /usr/bin/time -f "$j version %e %U %S" -a -o "$tmp/t" "$b" --version >/dev/null
  done
done
for j in "${!bins[@]}"; do
  for what in pose version; do
    wall=$(grep "^$j $what " "$tmp/t" | awk '{print $3}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    cpu=$(grep "^$j $what " "$tmp/t" | awk '{print $4 + $5}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "{\"bench\":\"startup\",\"binary\":\"${bins[$j]}\",\"command\":\"$what\",\"runs\":$runs,\"median_wall_s\":$wall,\"median_cpu_s\":$cpu}"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
