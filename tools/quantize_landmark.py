#!/usr/bin/env python3
"""Build an INT8 landmark model from the FP32 full model, and measure what it costs.

Developer-time; needs only the pinned packages of tools/requirements-quantize.txt (never the
system Python):

  python3 -m venv /work/venvs/quant
  /work/venvs/quant/bin/pip install -r tools/requirements-quantize.txt
  # landmarks of the calibration clips, made by hipflex itself (they hold each frame's ROI):
  for c in CLIPS; do target/release/hipflex pose $c -o /work/landmarks/$(basename $c .mp4).json; done
  /work/venvs/quant/bin/python tools/quantize_landmark.py \
      --videos /work/shared/videos-real --landmarks /work/landmarks \
      [--activations u8|s8|s16] [--keep-float heads,first] [--timing]

What it does:
 1. Calibration inputs are real crops, exactly as hipflex feeds the landmark model: for each
    calibration clip, frames spread evenly over the clip are decoded (OpenCV), the frame's
    tracked ROI from the landmarks file is cut out with the same rotated-rectangle warp
    (MediaPipe's ImageToTensor: bilinear, border replicated) into 256x256 RGB in [0, 1].
    The calibration clips are the shared clips WITHOUT a MediaPipe parity fixture
    (tests/fixtures/parity), so the parity test judges the INT8 model on clips it was not
    calibrated on.
 2. ONNX Runtime's static quantisation: QDQ format, per-channel INT8 weights, activations
    UINT8 (`u8`, the default), INT8 (`s8`) or INT16 (`s16`), MinMax calibration over the crops.
    `--keep-float heads` leaves the four output heads in float, `first` the first two
    convolutions. The graph is first shape-inferred and optimised with `quant_pre_process`.
 3. The model is compared with the FP32 one on held-out crops (5 per parity clip): landmark
    distance as a share of the crop side (median, p95) and the largest pose-score change.
    The file is written to `--out` (default /tmp, not models/: no variant measured so far
    meets the pose bounds, see models/README.md) with its sha256.
 4. `--timing` times FP32 and INT8 inference on the held-out crops with 1 and 2 threads.
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
import time

import cv2
import numpy as np

# ONNX Runtime's PyPI builds upload usage telemetry unless this is set before import.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
import onnxruntime as ort  # noqa: E402
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

SIZE = 256
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def crop_matrix(roi):
    """2x3 matrix from crop pixels to frame pixels (src/pose/geometry.rs crop_to_frame_matrix)."""
    c, s = np.cos(roi["rotation"]), np.sin(roi["rotation"])
    sx, sy = roi["width"] / SIZE, roi["height"] / SIZE
    hw, hh = roi["width"] / 2, roi["height"] / 2
    tx = roi["cx"] + c * -hw - s * -hh
    ty = roi["cy"] + s * -hw + c * -hh
    return np.array([[c * sx, -s * sy, tx], [s * sx, c * sy, ty]], dtype=np.float64)


def clip_crops(video, landmarks, per_clip):
    with open(landmarks) as f:
        frames = [fr for fr in json.load(f)["frames"] if fr.get("pose") and fr["pose"].get("roi")]
    if not frames:
        return []
    pick = {frames[round(i * (len(frames) - 1) / max(1, per_clip - 1))]["index"]: None
            for i in range(min(per_clip, len(frames)))}
    rois = {fr["index"]: fr["pose"]["roi"] for fr in frames if fr["index"] in pick}
    cap = cv2.VideoCapture(video, cv2.CAP_FFMPEG)
    crops, i = [], 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i in rois:
            m = crop_matrix(rois[i])
            crop = cv2.warpAffine(bgr, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REPLICATE)
            rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
            crops.append(rgb[None])
        i += 1
    return crops


class Crops(CalibrationDataReader):
    def __init__(self, name, crops):
        self.name, self.it = name, iter(crops)

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {self.name: x}


def parity_clips():
    with open(os.path.join(ROOT, "tests/fixtures/parity/MANIFEST.tsv")) as f:
        return {line.split("\t")[1] for line in f.read().splitlines()[1:] if line}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def time_model(path, crops, threads, reps=3):
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    for x in crops[:5]:
        s.run(None, {name: x})
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for x in crops:
            s.run(None, {name: x})
        best = min(best, (time.perf_counter() - t0) / len(crops))
    return best * 1000


def compare(fp32, quant, crops):
    """Landmark distance (share of the crop side: median, p95) and largest score change."""
    a = ort.InferenceSession(fp32, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(quant, providers=["CPUExecutionProvider"])
    name = a.get_inputs()[0].name
    dist, score = [], 0.0
    for x in crops:
        ra, rb = a.run(None, {name: x}), b.run(None, {name: x})
        la, lb = ra[0].reshape(39, 5)[:33], rb[0].reshape(39, 5)[:33]
        dist += list(np.hypot(la[:, 0] - lb[:, 0], la[:, 1] - lb[:, 1]) / SIZE)
        score = max(score, abs(float(ra[1].ravel()[0] - rb[1].ravel()[0])))
    return np.median(dist), np.percentile(dist, 95), score


def keep_float_nodes(model_path, which):
    import onnx
    nodes = onnx.load(model_path).graph.node
    names = []
    if "heads" in which:
        heads = ("convld_3d", "conv_poseflag", "convworld_3d", "activation_poseflag")
        names += [n.name for n in nodes if any(h in n.name for h in heads) or n.name == "Identity_3"]
    if "first" in which:
        names += [n.name for n in nodes if n.op_type == "Conv"][:2]
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", required=True, help="folder of the shared real clips")
    ap.add_argument("--landmarks", required=True, help="folder of `hipflex pose` JSON files, one per clip stem")
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--per-clip", type=int, default=24, help="crops per calibration clip")
    ap.add_argument("--activations", choices=["u8", "s8", "s16"], default="u8")
    ap.add_argument("--keep-float", default="", help="comma list of heads, first")
    ap.add_argument("--out", default="/tmp/pose_landmark_full_int8.onnx")
    ap.add_argument("--timing", action="store_true")
    a = ap.parse_args()

    fp32 = os.path.join(a.models, "pose_landmark_full.onnx")
    out = a.out
    act = {"u8": QuantType.QUInt8, "s8": QuantType.QInt8, "s16": QuantType.QInt16}[a.activations]
    held = parity_clips()
    clips = sorted(f for f in os.listdir(a.videos) if f.endswith(".mp4") and f not in held)
    crops = []
    for c in clips:
        lm = os.path.join(a.landmarks, c[:-4] + ".json")
        if not os.path.isfile(lm):
            sys.exit(f"missing {lm}: make it with `hipflex pose {c} -o {lm}`")
        got = clip_crops(os.path.join(a.videos, c), lm, a.per_clip)
        print(f"calibration: {c}: {len(got)} crops")
        crops += got
    print(f"calibration: {len(crops)} crops from {len(clips)} clips (parity clips held out: {len(held)})")
    name = ort.InferenceSession(fp32, providers=["CPUExecutionProvider"]).get_inputs()[0].name
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(fp32, pre, skip_symbolic_shape=True)
        keep = keep_float_nodes(pre, a.keep_float.split(","))
        quantize_static(pre, out + ".tmp", Crops(name, crops), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=act, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=keep)
    os.replace(out + ".tmp", out)
    print(f"{sha256(out)}  {out}  ({os.path.getsize(out)} bytes)")
    sample = []
    for c in sorted(held):
        lm = os.path.join(a.landmarks, c[:-4] + ".json")
        if os.path.isfile(lm) and os.path.isfile(os.path.join(a.videos, c)):
            sample += clip_crops(os.path.join(a.videos, c), lm, 5)
    med, p95, score = compare(fp32, out, sample)
    print(f"against FP32 on {len(sample)} held-out crops: landmarks median {med * 100:.2f}%, "
          f"p95 {p95 * 100:.2f}% of the crop side; pose score off by up to {score:.3f}")
    if a.timing:
        for t in (1, 2):
            f, q = time_model(fp32, sample, t), time_model(out, sample, t)
            print(f"timing {t} thread(s): FP32 {f:.2f} ms, INT8 {q:.2f} ms per crop ({len(sample)} crops, best of 3)")


if __name__ == "__main__":
    main()
