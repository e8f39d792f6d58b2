#!/usr/bin/env python3
"""Frames per second of MediaPipe's Python pose pipeline on one clip.

    /work/venvs/mp/bin/python tools/bench_mediapipe.py VIDEO [--model lite|full] [--frames N]

Two passes over the same first N frames (default: the whole clip), one after
the other in this single process:

* decode-only: ``cv2.VideoCapture.read`` + BGR->RGB conversion;
* end-to-end: the same decode + conversion + ``Pose.process`` (legacy
  ``mp.solutions.pose``, static_image_mode=False, smooth_landmarks=False,
  enable_segmentation=False, confidences 0.5 — the configuration the parity
  fixtures use).

``--no-decode-pass`` skips the first pass, so that timing the whole process (as
``tools/bench_pose.sh --whole`` does) times one decode + inference pass.
Graph construction (model loading) is outside the timed region; the first
``process`` call is inside. Prints one JSON line:
``{"tool":"mediapipe-python","model":..,"frames":..,"fps":..,"decode_fps":..,...}``
where ``fps`` is end-to-end and ``process_fps`` counts ``Pose.process`` time only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mediapipe_reference import MODEL_COMPLEXITY, check_model_file  # noqa: E402


def open_capture(path: str):
    import cv2  # noqa: PLC0415

    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not cap.isOpened():
        sys.exit(f"cannot open {path}")
    return cap


def decode_pass(path: str, limit: int | None) -> tuple[int, float, tuple[int, int]]:
    import cv2  # noqa: PLC0415

    cap = open_capture(path)
    n = 0
    size = (0, 0)
    t0 = time.perf_counter()
    while limit is None or n < limit:
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        size = (rgb.shape[1], rgb.shape[0])
        n += 1
    dt = time.perf_counter() - t0
    cap.release()
    return n, dt, size


def e2e_pass(path: str, model: str, limit: int | None) -> tuple[int, float, float, int]:
    import cv2  # noqa: PLC0415
    import mediapipe as mp  # noqa: PLC0415

    pose = mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=MODEL_COMPLEXITY[model],
        smooth_landmarks=False,
        enable_segmentation=False,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    )
    cap = open_capture(path)
    n = present = 0
    t_proc = 0.0
    t0 = time.perf_counter()
    while limit is None or n < limit:
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        tp = time.perf_counter()
        res = pose.process(rgb)
        t_proc += time.perf_counter() - tp
        present += res.pose_landmarks is not None
        n += 1
    dt = time.perf_counter() - t0
    cap.release()
    pose.close()
    return n, dt, t_proc, present


def main() -> None:
    ap = argparse.ArgumentParser(description="MediaPipe Python pose fps")
    ap.add_argument("video")
    ap.add_argument("--model", choices=sorted(MODEL_COMPLEXITY), default="full")
    ap.add_argument("--frames", type=int, default=None, help="at most N frames (default all)")
    ap.add_argument("--lite-tflite", help="local pose_landmark_lite.tflite instead of npm pack")
    ap.add_argument("--no-decode-pass", action="store_true",
                    help="skip the decode-only pass (to time the whole process)")
    args = ap.parse_args()

    import cv2  # noqa: PLC0415
    import mediapipe as mp  # noqa: PLC0415

    check_model_file(args.model, args.lite_tflite)
    dn, ddt, size = (1, float("nan"), (0, 0))
    if not args.no_decode_pass:
        dn, ddt, size = decode_pass(args.video, args.frames)
    n, dt, t_proc, present = e2e_pass(args.video, args.model, args.frames)
    print(json.dumps({
        "tool": "mediapipe-python",
        "model": args.model,
        "frames": n,
        "fps": round(n / dt, 2),
        "decode_fps": round(dn / ddt, 2),
        "process_fps": round(n / t_proc, 2),
        "present": present,
        "width": size[0],
        "height": size[1],
        "video": os.path.basename(args.video),
        "mediapipe": mp.__version__,
        "opencv": cv2.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
