#!/usr/bin/env bash
# Cost of `--fast` (the lite landmark model) against the default (full) on the shared
# labelled clips: whole-process `hipflex pose` time for each mode (alternating, so machine
# load hits both alike), then the analysis of each landmarks file (`analyze
# --from-landmarks`, same phase) compared: counted reps (and the label), mean absolute
# per-rep tempo difference (eccentric and concentric phases, reps matched by order when
# both modes count the same number) and the set's peak hip flexion difference.
# Prints a Markdown table (for the README) and the machine load.
#   tools/bench_fast.sh [CLIP.mp4 ...]     (default: every clip with a labelled rep count)
#   HIPFLEX_BIN=... HIPFLEX_REAL_VIDEOS=/work/shared/videos-real tools/bench_fast.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="${HIPFLEX_BIN:-target/release/hipflex}"
dir="${HIPFLEX_REAL_VIDEOS:-../shared/videos-real}"
labels="$dir/LABELS.tsv"
clips=("$@")
if [ ${#clips[@]} -eq 0 ]; then
  mapfile -t clips < <(awk -F'\t' 'NR > 1 && $4 ~ /^[0-9]+$/ {print $1}' "$labels")
fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
summary() { # report.json -> "reps peak"
  jq -r '[.summary.reps_counted, (.summary.peak_hip_flexion_deg // "nan")] | @tsv' "$1"
}
tempo_diff() { # mean |difference| of eccentric and concentric seconds over matched reps
  jq -rn --slurpfile a "$1" --slurpfile b "$2" '
    [$a[0].reps[] | select(.counted)] as $x | [$b[0].reps[] | select(.counted)] as $y
    | if ($x | length) != ($y | length) or ($x | length) == 0 then "n/a (counts differ)"
      else [range(0; $x | length) as $i | ("eccentric_s", "concentric_s") as $k
            | select($x[$i][$k] != null and $y[$i][$k] != null)
            | ($x[$i][$k] - $y[$i][$k]) | fabs]
        | if length == 0 then "n/a" else "\((add / length * 1000 | round) / 1000) s" end
      end'
}
echo "| clip | fps | frames | label reps | reps full | reps fast | tempo diff (mean abs) | peak hip full / fast (deg) | pose wall full / fast (s) |"
echo "|---|---|---|---|---|---|---|---|---|"
tot_full=0; tot_fast=0
for c in "${clips[@]}"; do
  c="$(basename "$c")"; v="$dir/$c"
  label=$(awk -F'\t' -v f="$c" '$1 == f {print $4}' "$labels")
  fps=$(ffprobe -v error -select_streams v -show_entries stream=r_frame_rate -of csv=p=0 "$v" | awk -F/ '{printf "%.0f", $1 / ($2 ? $2 : 1)}')
  frames=$(ffprobe -v error -select_streams v -show_entries stream=nb_frames -of csv=p=0 "$v")
  for mode in full fast; do
    flag=(); [ "$mode" = fast ] && flag=(--fast)
    /usr/bin/time -f "%e" -o "$tmp/$mode.time" "$bin" pose "$v" "${flag[@]}" -o "$tmp/$mode.json" --force >/dev/null 2>&1
    rm -rf "$tmp/$mode.out"
    "$bin" analyze --from-landmarks "$tmp/$mode.json" --phase 2 --no-db --out "$tmp/$mode.out" >/dev/null 2>&1 || true
  done
  if [ -s "$tmp/full.out/report.json" ] && [ -s "$tmp/fast.out/report.json" ]; then
    read -r rf pf < <(summary "$tmp/full.out/report.json")
    read -r rq pq < <(summary "$tmp/fast.out/report.json")
    td=$(tempo_diff "$tmp/full.out/report.json" "$tmp/fast.out/report.json")
  else
    rf="error"; rq="error"; pf="-"; pq="-"; td="-"
  fi
  fmt() { [ "$1" = nan ] && echo "-" || printf "%.1f" "$1"; }
  wf=$(cat "$tmp/full.time"); wq=$(cat "$tmp/fast.time")
  tot_full=$(awk -v a="$tot_full" -v b="$wf" 'BEGIN {print a + b}')
  tot_fast=$(awk -v a="$tot_fast" -v b="$wq" 'BEGIN {print a + b}')
  echo "| $c | $fps | $frames | $label | $rf | $rq | $td | $(fmt "$pf") / $(fmt "$pq") | $wf / $wq |"
done
echo
echo "total pose wall: full ${tot_full} s, fast ${tot_fast} s (ratio $(awk -v a="$tot_full" -v b="$tot_fast" 'BEGIN {printf "%.2f", a / b}')x)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
