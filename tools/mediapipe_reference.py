#!/usr/bin/env python3
"""MediaPipe reference landmarks for hipflex's parity tests.

Runs MediaPipe's own legacy Python solution (``mp.solutions.pose.Pose``, the
``pose_landmark_cpu`` graph) over every clip in a folder and writes, per clip,
``<out>/<clip-stem>.<model>.csv``: one row per decoded frame with the 12 limb
landmarks in pixels of the decoded frame. The format is described in
``tests/fixtures/parity/README.md``.

Setup (private venv, never system Python)::

    python3 -m venv /work/venvs/mp
    /work/venvs/mp/bin/pip install --no-deps mediapipe==0.10.14
    /work/venvs/mp/bin/pip install -r tools/requirements-mediapipe.txt

    /work/venvs/mp/bin/python tools/mediapipe_reference.py --model full \
        --videos /work/shared/videos-real --out tests/fixtures/parity

The mediapipe 0.10.14 wheel ships ``pose_landmark_full.tflite`` but not
``pose_landmark_lite.tflite`` (it would download it from Google storage at run
time). For ``--model lite`` this script copies it in from the npm package
``@mediapipe/pose@0.5.1675469404`` (via ``npm pack``, or from ``--lite-tflite``)
and checks its sha256; see ``ensure_lite_model``. That is idempotent.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

MEDIAPIPE_VERSION = "0.10.14"
NPM_POSE_PACKAGE = "@mediapipe/pose@0.5.1675469404"
LITE_SHA256 = "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"
FULL_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"

# Limb landmarks in BlazePose's 33-point topology.
LIMB_LANDMARKS = (11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
LANDMARK_NAMES = {
    11: "left_shoulder", 12: "right_shoulder", 13: "left_elbow",
    14: "right_elbow", 15: "left_wrist", 16: "right_wrist",
    23: "left_hip", 24: "right_hip", 25: "left_knee",
    26: "right_knee", 27: "left_ankle", 28: "right_ankle",
}
MODEL_COMPLEXITY = {"lite": 0, "full": 1}
FORMAT_VERSION = "hipflex-parity-v1"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mediapipe_dir() -> Path:
    import mediapipe  # noqa: PLC0415

    return Path(mediapipe.__file__).resolve().parent


def ensure_lite_model(lite_tflite: str | None = None) -> Path:
    """Puts pose_landmark_lite.tflite into the installed mediapipe package.

    Without it, mediapipe 0.10.14 tries to download the file when a Pose with
    model_complexity=0 is built, and there is no internet here. Source, in
    order: ``lite_tflite`` (a path), else ``npm pack @mediapipe/pose@...`` in a
    temporary folder. The file's sha256 is checked either way.
    """
    dest = mediapipe_dir() / "modules" / "pose_landmark" / "pose_landmark_lite.tflite"
    if dest.exists() and sha256_file(dest) == LITE_SHA256:
        return dest
    with tempfile.TemporaryDirectory(prefix="mp-pose-npm-") as tmp:
        if lite_tflite:
            src = Path(lite_tflite)
        else:
            npm = shutil.which("npm")
            if npm is None:
                sys.exit("pose_landmark_lite.tflite missing and npm not found; "
                         "pass --lite-tflite PATH")
            out = subprocess.run([npm, "pack", NPM_POSE_PACKAGE], cwd=tmp,
                                 check=True, capture_output=True, text=True)
            tgz = Path(tmp) / out.stdout.strip().splitlines()[-1]
            with tarfile.open(tgz) as tar:
                member = tar.getmember("package/pose_landmark_lite.tflite")
                tar.extract(member, tmp, filter="data")
            src = Path(tmp) / "package" / "pose_landmark_lite.tflite"
        got = sha256_file(src)
        if got != LITE_SHA256:
            sys.exit(f"{src}: sha256 {got}, expected {LITE_SHA256}")
        part = dest.with_suffix(".tflite.part")
        shutil.copyfile(src, part)
        os.replace(part, dest)
    print(f"installed {dest}", file=sys.stderr)
    return dest


def check_model_file(model: str, lite_tflite: str | None) -> str:
    if model == "lite":
        path = ensure_lite_model(lite_tflite)
        return sha256_file(path)
    path = mediapipe_dir() / "modules" / "pose_landmark" / "pose_landmark_full.tflite"
    got = sha256_file(path)
    if got != FULL_SHA256:
        print(f"warning: {path} sha256 {got} differs from {FULL_SHA256}", file=sys.stderr)
    return got


def csv_columns() -> list[str]:
    cols = ["frame", "timestamp_ms", "present"]
    for i in LIMB_LANDMARKS:
        cols += [f"x{i}", f"y{i}", f"v{i}"]
    return cols


def fmt1(v: float) -> str:
    s = f"{v:.1f}"
    return "0.0" if s == "-0.0" else s


def process_clip(video: Path, model: str, out_dir: Path, model_sha: str) -> dict:
    import cv2  # noqa: PLC0415
    import mediapipe as mp  # noqa: PLC0415

    cap = cv2.VideoCapture(str(video), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        raise RuntimeError(f"cannot open {video}")
    # OpenCV >= 4.5 FFmpeg backend applies rotation metadata by default;
    # state it explicitly and record it. (None of the current clips has any.)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    orientation_auto = int(cap.get(cv2.CAP_PROP_ORIENTATION_AUTO))
    orientation_meta = int(cap.get(cv2.CAP_PROP_ORIENTATION_META))
    cv2_frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cv2_fps = cap.get(cv2.CAP_PROP_FPS)

    rows: list[str] = []
    width = height = None
    present_count = 0
    n = 0
    with mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=MODEL_COMPLEXITY[model],
        smooth_landmarks=False,
        enable_segmentation=False,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    ) as pose:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            ts_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
            h, w = bgr.shape[:2]
            if width is None:
                width, height = w, h
            elif (w, h) != (width, height):
                raise RuntimeError(f"{video}: frame {n} is {w}x{h}, expected {width}x{height}")
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            res = pose.process(rgb)
            fields = [str(n), f"{ts_ms:.3f}"]
            if res.pose_landmarks is None:
                fields.append("0")
                fields += [""] * (3 * len(LIMB_LANDMARKS))
            else:
                present_count += 1
                fields.append("1")
                lms = res.pose_landmarks.landmark
                for i in LIMB_LANDMARKS:
                    lm = lms[i]
                    fields += [fmt1(lm.x * w), fmt1(lm.y * h), f"{lm.visibility:.2f}"]
            rows.append(",".join(fields))
            n += 1
    cap.release()
    if n == 0:
        raise RuntimeError(f"{video}: no frames decoded")

    clip_sha = sha256_file(video)
    header = (
        f"# {FORMAT_VERSION} clip={video.name} sha256={clip_sha} "
        f"mediapipe={mp.__version__} model={model} model_sha256={model_sha} "
        f"opencv={cv2.__version__} width={width} height={height} frames={n} "
        f"present={present_count} cv2_frame_count={cv2_frame_count} "
        f"cv2_fps={cv2_fps:.4f} orientation_auto={orientation_auto} "
        f"orientation_meta={orientation_meta} smooth_landmarks=0 "
        f"min_detection_confidence=0.5 min_tracking_confidence=0.5 "
        f"landmarks={','.join(map(str, LIMB_LANDMARKS))}"
    )
    out_path = out_dir / f"{video.stem}.{model}.csv"
    tmp = out_path.with_suffix(".csv.part")
    with open(tmp, "w", newline="\n") as f:
        f.write(header + "\n")
        f.write(",".join(csv_columns()) + "\n")
        for r in rows:
            f.write(r + "\n")
    os.replace(tmp, out_path)
    return {
        "clip": video.name, "model": model, "width": width, "height": height,
        "frames": n, "present": present_count, "cv2_frame_count": cv2_frame_count,
        "orientation_meta": orientation_meta, "sha256": clip_sha, "out": str(out_path),
    }


def write_manifest(out_dir: Path) -> None:
    """MANIFEST.tsv: one line per fixture, rebuilt from the fixture headers."""
    lines = ["fixture\tclip\tmodel\tsha256\twidth\theight\tframes\tpresent\tcv2_frame_count"]
    for p in sorted(out_dir.glob("*.csv")):
        with open(p) as f:
            first = f.readline()
        if not first.startswith(f"# {FORMAT_VERSION} "):
            continue
        kv = dict(tok.split("=", 1) for tok in first[2:].split() if "=" in tok)
        lines.append("\t".join([p.name, kv["clip"], kv["model"], kv["sha256"],
                                kv["width"], kv["height"], kv["frames"],
                                kv["present"], kv["cv2_frame_count"]]))
    (out_dir / "MANIFEST.tsv").write_text("\n".join(lines) + "\n")


def main() -> None:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=sorted(MODEL_COMPLEXITY), default="full")
    ap.add_argument("--videos", default="/work/shared/videos-real",
                    help="folder of *.mp4 clips (default %(default)s)")
    ap.add_argument("--out", default=str(repo / "tests" / "fixtures" / "parity"))
    ap.add_argument("--clips", nargs="*", help="only these clip file names or stems")
    ap.add_argument("--lite-tflite", help="local pose_landmark_lite.tflite instead of npm pack")
    args = ap.parse_args()

    import mediapipe as mp  # noqa: PLC0415

    if mp.__version__ != MEDIAPIPE_VERSION:
        print(f"warning: mediapipe {mp.__version__}, fixtures are meant for "
              f"{MEDIAPIPE_VERSION}", file=sys.stderr)
    model_sha = check_model_file(args.model, args.lite_tflite)

    videos = sorted(Path(args.videos).glob("*.mp4"))
    if args.clips:
        want = {Path(c).stem for c in args.clips}
        videos = [v for v in videos if v.stem in want]
    if not videos:
        sys.exit(f"no clips in {args.videos}")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for v in videos:  # sequential on purpose: one process, one clip at a time
        s = process_clip(v, args.model, out_dir, model_sha)
        odd = []
        if s["cv2_frame_count"] != s["frames"]:
            odd.append(f"cv2 frame count {s['cv2_frame_count']}")
        if s["orientation_meta"]:
            odd.append(f"rotation {s['orientation_meta']}")
        print(f"{s['clip']}\t{s['model']}\t{s['width']}x{s['height']}\tframes={s['frames']}"
              f"\tpresent={s['present']}" + ("\t" + "; ".join(odd) if odd else ""), flush=True)
    write_manifest(out_dir)


if __name__ == "__main__":
    main()
