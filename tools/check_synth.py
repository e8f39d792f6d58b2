#!/usr/bin/env python3
"""Check a `hipflex synth` clip against MediaPipe BlazePose (Python pipeline).

Usage: tools/check_synth.py VIDEO [TRUTH] [--mode video|static|both] [--side truth|auto|both]
                            [--complexity 1] [--frames-csv OUT.csv] [--json]

Runs mediapipe.solutions.pose on every frame and reports the detection rate and the error of
the hip flexion (signed trunk-thigh angle: 0 in line, + flexion) and knee flexion
computed from the landmarks (11/12 shoulders, 23/24 hips, 25/26 knees, 27/28 ankles) against
the ground truth, on the side MediaPipe sees better (--side truth: the anatomical near side)
(TRUTH defaults to VIDEO with .truth.json). `video` mode tracks across frames
like a video pipeline; `static` runs the person detector on every frame (the harder test).
Needs a Python with mediapipe==0.10.14 and opencv-python-headless (e.g. /work/venvs/mp).
Exit status 0 when every frame is detected and the median hip error is below 5 degrees in every
reported mode/side.
"""
import argparse
import json
import math
import os
import sys

import cv2
import mediapipe as mp
import numpy as np

NEAR = {"left": (11, 23, 25, 27), "right": (12, 24, 26, 28)}


def wrap(a):
    a = math.fmod(a, 360.0)
    if a <= -180.0:
        a += 360.0
    elif a > 180.0:
        a -= 360.0
    return a


def ang(v):
    return math.degrees(math.atan2(v[1], v[0]))


def angles(sh, hip, knee, ankle, mirror):
    """Signed hip and knee flexion from image points (y down), figure facing right unless
    mirror."""
    def w(p):
        x, y = p
        return np.array([-x if mirror else x, -y])
    sh, hip, knee, ankle = map(w, (sh, hip, knee, ankle))
    h = wrap(ang(knee - hip) - ang(sh - hip) + 180.0)
    k = wrap(ang(knee - hip) - ang(ankle - knee))
    return h, k


def run(video, truth, mode, complexity):
    frames_truth = truth["frames"]
    mirror = truth["spec"]["facing"] == "left"
    cap = cv2.VideoCapture(video)
    pose = mp.solutions.pose.Pose(
        static_image_mode=(mode == "static"),
        model_complexity=complexity,
        enable_segmentation=False,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    )
    rows = []
    i = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        hgt, wid = img.shape[:2]
        res = pose.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
        t = frames_truth[i] if i < len(frames_truth) else None
        row = {"frame": i, "detected": res.pose_landmarks is not None}
        if t is not None:
            row.update(hip_true=t["hip_flexion_deg"], knee_true=t["knee_flexion_deg"], phase=t["phase"])
        if res.pose_landmarks is not None and t is not None:
            lm = res.pose_landmarks.landmark
            row["by_side"] = {}
            for side, idx in NEAR.items():
                pts = [(lm[j].x * wid, lm[j].y * hgt) for j in idx]
                h, k = angles(*pts, mirror)
                px = t["px"]  # truth pixels are the anatomical near side
                row["by_side"][side] = dict(
                    hip=h, knee=k, hip_err=h - t["hip_flexion_deg"], knee_err=k - t["knee_flexion_deg"],
                    hip_px_err=math.dist(pts[1], px["hip"]), shoulder_px_err=math.dist(pts[0], px["shoulder"]),
                    knee_px_err=math.dist(pts[2], px["knee"]), vis=sum(lm[j].visibility for j in idx[:3]) / 3)
        rows.append(row)
        i += 1
    pose.close()
    return rows


def pick_side(rows, truth, side_mode):
    """Rows measured on one side: the truth's near side, or (auto, like a video pipeline) the
    side MediaPipe sees better over the clip (mean visibility of shoulder, hip, knee).
    MediaPipe often gives a profile figure's near side the other side's name."""
    if side_mode == "truth":
        side = truth["near_side"]
    else:
        vis = {s: sum(r["by_side"][s]["vis"] for r in rows if "by_side" in r) for s in NEAR}
        side = max(vis, key=vis.get)
    out = []
    for r in rows:
        r = dict(r)
        if "by_side" in r:
            r.update(r.pop("by_side")[side])
        r["side"] = side
        out.append(r)
    return out


def summarize(name, rows, n_truth):
    det = [r for r in rows if r["detected"]]
    he = np.array([abs(r["hip_err"]) for r in det if "hip_err" in r])
    ke = np.array([abs(r["knee_err"]) for r in det if "knee_err" in r])
    hp = np.array([r["hip_px_err"] for r in det if "hip_px_err" in r])
    s = {
        "mode": name,
        "frames": len(rows),
        "truth_frames": n_truth,
        "detected": len(det),
        "detection_rate": len(det) / max(1, len(rows)),
        "undetected_frames": [r["frame"] for r in rows if not r["detected"]],
    }
    if len(he):
        s.update(
            hip_err_median=float(np.median(he)),
            hip_err_p90=float(np.percentile(he, 90)),
            hip_err_max=float(he.max()),
            hip_bias=float(np.median([r["hip_err"] for r in det if "hip_err" in r])),
            knee_err_median=float(np.median(ke)),
            knee_err_p90=float(np.percentile(ke, 90)),
            hip_px_err_median=float(np.median(hp)),
        )
        worst = max((r for r in det if "hip_err" in r), key=lambda r: abs(r["hip_err"]))
        s["worst_frame"] = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in worst.items()}
    return s


def fmt_ranges(frames):
    if not frames:
        return "-"
    out, start, prev = [], frames[0], frames[0]
    for f in frames[1:] + [None]:
        if f is not None and f == prev + 1:
            prev = f
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if f is not None:
            start = prev = f
    return ",".join(out)


def write_csv(path, tag, rows):
    base, ext = os.path.splitext(path)
    keys = ["frame", "phase", "detected", "side", "hip_true", "hip", "hip_err", "knee_true", "knee", "knee_err",
            "hip_px_err", "shoulder_px_err", "knee_px_err", "vis"]
    with open(f"{base}.{tag}{ext or '.csv'}", "w") as f:
        f.write(",".join(keys) + "\n")
        for r in rows:
            f.write(",".join("" if r.get(k) is None else (f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]))
                             for k in keys) + "\n")


def report(s, complexity):
    print(f"{s['video']} [{s['mode']}, complexity {complexity}]: detected {s['detected']}/{s['frames']} "
          f"({100 * s['detection_rate']:.1f}%), truth frames {s['truth_frames']}")
    if "hip_err_median" in s:
        print(f"  hip |err| median {s['hip_err_median']:.1f} p90 {s['hip_err_p90']:.1f} max {s['hip_err_max']:.1f} "
              f"(bias {s['hip_bias']:+.1f}); knee |err| median {s['knee_err_median']:.1f} "
              f"p90 {s['knee_err_p90']:.1f}; hip landmark {s['hip_px_err_median']:.1f}px")
        print(f"  worst: {s['worst_frame']}")
    if s["undetected_frames"]:
        print(f"  undetected: {fmt_ranges(s['undetected_frames'])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video")
    ap.add_argument("truth", nargs="?")
    ap.add_argument("--mode", choices=["video", "static", "both"], default="both")
    ap.add_argument("--complexity", type=int, default=1, help="0 lite, 1 full (default), 2 heavy")
    ap.add_argument("--side", choices=["auto", "truth", "both"], default="both",
                    help="landmark side to measure: the truth's near side, the one MediaPipe sees better over the clip (auto), or both (default)")
    ap.add_argument("--frames-csv", help="write per-frame results here")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args()
    truth_path = a.truth or os.path.splitext(a.video)[0] + ".truth.json"
    with open(truth_path) as f:
        truth = json.load(f)
    modes = ["video", "static"] if a.mode == "both" else [a.mode]
    sides = ["truth", "auto"] if a.side == "both" else [a.side]
    ok = True
    summaries = []
    for m in modes:
        raw = run(a.video, truth, m, a.complexity)
        for side_mode in sides:
            rows = pick_side(raw, truth, side_mode)
            s = summarize(f"{m}/{side_mode}:{rows[0]['side']}", rows, len(truth["frames"]))
            s["video"] = os.path.basename(a.video)
            summaries.append(s)
            if a.frames_csv:
                write_csv(a.frames_csv, f"{m}.{side_mode}", rows)
            ok &= s["detection_rate"] == 1.0 and s.get("hip_err_median", 99) < 5.0
            ok &= s["frames"] == s["truth_frames"]
            if not a.json:
                report(s, a.complexity)
    if a.json:
        print(json.dumps(summaries))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
