#!/usr/bin/env python3
"""Rebuild hipflex's ONNX pose and face models from MediaPipe's TFLite originals, and verify them.

Developer-time; needs `npm` and the pinned Python packages (never the system Python):

  python3 -m venv /work/venvs/convert
  /work/venvs/convert/bin/pip install -r tools/requirements-convert.txt
  /work/venvs/convert/bin/python tools/convert_models.py            # detector, lite, full, face -> models/
  /work/venvs/convert/bin/python tools/convert_models.py --heavy    # also pose_landmark_heavy.onnx
  /work/venvs/convert/bin/python tools/convert_models.py --check    # verify models/ only, no rebuild

Sources: npm packages @mediapipe/pose@0.5.1675469404 (the pose models) and
@mediapipe/face_detection@0.4.1646425229 (the BlazeFace full-range face detector, used by the
privacy scan for faces too small for the person detector), both Apache-2.0, Google, fetched
with `npm pack` (which uses the npm cache, so it also works offline once fetched; or pass
--tarball / --face-tarball) and checked against a pinned sha256 and npm integrity; every
extracted .tflite is checked against a pinned sha256 too.

Steps, per model:
 1. Landmark models are converted directly with tf2onnx (--tflite, opset 17).
    The detector stores 38 weight tensors sparsely behind DENSIFY ops that tf2onnx cannot
    read: the TFLite interpreter is run once with experimental_preserve_all_tensors, each
    DENSIFY output is written into the model as a constant buffer, the DENSIFY ops are
    dropped, and that model is converted. The face detector (face_detection_full_range.tflite,
    the dense variant of the package: float16 weights behind DEQUANTIZE ops, which tf2onnx
    reads) is converted directly.
 2. The landmark models' segmentation output (Identity_2, 1x256x256x1) is pruned: hipflex
    never uses the mask, and without it ONNX Runtime skips the mask decoder on every frame.
 3. tf2onnx numbers its generated tensor names from a counter in an order that changes from
    run to run; the names are renumbered in graph order and initializers sorted, which makes
    the output byte-identical run to run (so models/SHA256SUMS can be reproduced).
 4. The ONNX file is compared with its TFLite original (not the densified copy) on the same
    inputs: uniform noise, a smooth gradient, a constant, a synthetic figure, and frames from
    --frames if given. The script fails if any output differs by more than its tolerance,
    or if input/output names, shapes or dtypes differ from the TFLite model.
 5. The file is written to --out only if its bytes changed, and SHA256SUMS is updated; a
    rebuild that does not reproduce the recorded sha256 is reported.

Input and output tensor names are TFLite's own (tf2onnx keeps them): input `input_1` (NHWC
float32, as in TFLite; tf2onnx transposes to NCHW inside the graph), outputs `Identity`,
`Identity_1`, ...; the face detector's are `input`, `reshaped_regressor_face_4` and
`reshaped_classifier_face_4`. See models/README.md for their meaning.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
NPM_TGZ_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
NPM_INTEGRITY = "sha512-DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="
TFLITE_SHA256 = {
    "pose_detection": "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
    "pose_landmark_lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "pose_landmark_full": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "pose_landmark_heavy": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}
FACE_NPM_PACKAGE = "@mediapipe/face_detection@0.4.1646425229"
FACE_NPM_TGZ_SHA256 = "0860724d3ad0de680dd5da59c0b1333f2330aa4ea969157d0aea5d7c0d6e2a95"
FACE_NPM_INTEGRITY = "sha512-aeCN+fRAojv9ch3NXorP6r5tcGVLR3/gC1HmtqB0WEZBRXrdP6/3W/sGR0dHr1iT6ueiK95G9PVjbzFosf/hrg=="
FACE_DETECTOR = "face_detection_full_range"
FACE_TFLITE_SHA256 = {FACE_DETECTOR: "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"}
DETECTOR_PACKED = "/third_party/mediapipe/modules/pose_detection/pose_detection.tflite"
OPSET = 17
DETECTOR = "pose_detection"
LANDMARKS = ["pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy"]
SEGMENTATION_OUTPUT = "Identity_2"  # landmark models: 1x256x256x1 mask, pruned

# Max abs difference allowed between TFLite and ONNX outputs, per output. XNNPACK (TFLite)
# and ONNX Runtime sum in different orders; measured differences are 10-100x below these.
TOLERANCE = {
    # detector: box/keypoint offsets in 224-px input pixels; score logits
    DETECTOR: {"Identity": 0.02, "Identity_1": 0.02},
    # face detector: box/keypoint offsets in 192-px input pixels; score logits
    FACE_DETECTOR: {"reshaped_regressor_face_4": 0.02, "reshaped_classifier_face_4": 0.02},
    # landmarks: 256-px crop pixels (x, y, z) and logits (visibility, presence); pose flag
    # (a probability); heatmap; world landmarks in metres
    "landmark": {"Identity": 0.05, "Identity_1": 5e-3, "Identity_3": 0.01, "Identity_4": 1e-3},
}
# The detectors' score-logit outputs (for the sanity line).
SCORE_OUTPUT = {DETECTOR: "Identity_1", FACE_DETECTOR: "reshaped_classifier_face_4"}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_sha(path, expected, what):
    got = sha256(path)
    if got != expected:
        sys.exit(f"{what}: sha256 {got} != pinned {expected}")


# ---------------------------------------------------------------------------------------------
# Fetch


def fetch_npm(work, spec, tgz_sha256, integrity, tarball=None):
    """`npm pack` (or a given tarball) -> the extracted package dir, tarball sha-checked."""
    os.makedirs(work, exist_ok=True)
    if tarball is None:
        res = subprocess.run(
            ["npm", "pack", spec, "--json", "--prefer-offline", "--pack-destination", work],
            check=True, capture_output=True, text=True,
        )
        meta = json.loads(res.stdout)[0]
        if meta.get("integrity") != integrity:
            sys.exit(f"{spec}: npm integrity {meta.get('integrity')} != pinned {integrity}")
        tarball = os.path.join(work, meta["filename"])
    check_sha(tarball, tgz_sha256, tarball)
    with open(tarball, "rb") as f:
        sri = "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
    if sri != integrity:
        sys.exit(f"{tarball}: integrity {sri} != pinned {integrity}")
    with tarfile.open(tarball) as t:
        try:
            t.extractall(work, filter="data")
        except TypeError:  # Python without extraction filters
            t.extractall(work)
    return os.path.join(work, "package")


def fetch_face_package(work, tarball=None):
    """The face detection package -> its dir, the full-range .tflite sha-checked."""
    pkg = fetch_npm(os.path.join(work, "face"), FACE_NPM_PACKAGE, FACE_NPM_TGZ_SHA256,
                    FACE_NPM_INTEGRITY, tarball)
    for name, expected in FACE_TFLITE_SHA256.items():
        check_sha(os.path.join(pkg, name + ".tflite"), expected, name + ".tflite")
    print(f"{FACE_NPM_PACKAGE}: sha256 and integrity ok")
    return pkg


def fetch_package(work, tarball=None):
    """npm tarball -> extracted package dir with the four .tflite files, all sha-checked."""
    pkg = fetch_npm(work, NPM_PACKAGE, NPM_TGZ_SHA256, NPM_INTEGRITY, tarball)
    # The detector is packed into pose_solution_packed_assets.data; its byte range is in the
    # loader script's "files" list.
    loader = open(os.path.join(pkg, "pose_solution_packed_assets_loader.js")).read()
    m = re.search(r'"files"\s*:\s*(\[[^\]]*\])', loader)
    if not m:
        sys.exit("pose_solution_packed_assets_loader.js: no \"files\" list")
    det = next(f for f in json.loads(m.group(1)) if f["filename"] == DETECTOR_PACKED)
    with open(os.path.join(pkg, "pose_solution_packed_assets.data"), "rb") as f:
        data = f.read()
    with open(os.path.join(pkg, DETECTOR + ".tflite"), "wb") as f:
        f.write(data[det["start"] : det["end"]])
    for name, expected in TFLITE_SHA256.items():
        check_sha(os.path.join(pkg, name + ".tflite"), expected, name + ".tflite")
    print(f"{NPM_PACKAGE}: sha256 and integrity ok; {DETECTOR}.tflite = bytes "
          f"{det['start']}..{det['end']} of pose_solution_packed_assets.data")
    return pkg


# ---------------------------------------------------------------------------------------------
# Convert


def densify(src, dst):
    """Replaces DENSIFY ops by constant dense weights; returns how many."""
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils as fbu

    model = fbu.read_model(src)
    interp = tf.lite.Interpreter(model_path=src, experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    interp.set_tensor(inp["index"], np.zeros(inp["shape"], dtype=inp["dtype"]))
    interp.invoke()  # DENSIFY outputs depend on constants only, not on the input
    densify_codes = {
        i for i, oc in enumerate(model.operatorCodes)
        if max(oc.builtinCode, oc.deprecatedBuiltinCode) == schema.BuiltinOperator.DENSIFY
    }
    sg = model.subgraphs[0]
    kept, count = [], 0
    for op in sg.operators:
        if op.opcodeIndex not in densify_codes:
            kept.append(op)
            continue
        out = op.outputs[0]
        dense = interp.get_tensor(out)
        if dense.shape != tuple(sg.tensors[out].shape):
            sys.exit(f"DENSIFY output {out}: shape {dense.shape} != {tuple(sg.tensors[out].shape)}")
        buf = schema.BufferT()
        buf.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
        model.buffers.append(buf)
        # The DENSIFY output becomes a constant; its consumers keep reading the same tensor.
        sg.tensors[out].buffer = len(model.buffers) - 1
        # The sparse source tensor is now unused: drop its sparse encoding and data, which
        # tf2onnx cannot parse.
        src_t = sg.tensors[op.inputs[0]]
        src_t.sparsity = None
        model.buffers[src_t.buffer].data = None
        count += 1
    sg.operators = kept
    fbu.write_model(model, dst)
    return count


def tf2onnx_convert(tflite, onnx_path):
    res = subprocess.run(
        [sys.executable, "-m", "tf2onnx.convert", "--tflite", tflite, "--output", onnx_path,
         "--opset", str(OPSET)],
        capture_output=True, text=True,
    )
    if res.returncode != 0:
        sys.exit(f"tf2onnx failed on {tflite}:\n{res.stderr[-4000:]}")


def prune_segmentation(model):
    """Drops the segmentation output and the nodes only it needs."""
    from onnx import utils

    outs = [o.name for o in model.graph.output]
    if SEGMENTATION_OUTPUT not in outs:
        return model
    keep = [o for o in outs if o != SEGMENTATION_OUTPUT]
    inputs = [i.name for i in model.graph.input]
    return utils.Extractor(model).extract_model(inputs, keep)


_COUNTER = re.compile(r"__\d+")


def canonicalize(model):
    """Renumbers tf2onnx's run-dependent generated names (`name__123`) in graph order and
    sorts initializers by first use, so the serialised model is the same bytes every run.
    Graph inputs and outputs keep their names."""
    g = model.graph
    fixed = {i.name for i in g.input} | {o.name for o in g.output}
    order, seen = [], set()
    for node in g.node:
        for n in list(node.input) + list(node.output):
            if n and n not in seen:
                seen.add(n)
                order.append(n)
    for t in g.initializer:
        if t.name not in seen:
            seen.add(t.name)
            order.append(t.name)
    ren = {}
    for n in order:
        if n not in fixed and _COUNTER.search(n):
            ren[n] = f"{_COUNTER.sub('', n)}__{len(ren)}"
    r = lambda n: ren.get(n, n)
    k = 0
    for node in g.node:
        node.input[:] = [r(n) for n in node.input]
        node.output[:] = [r(n) for n in node.output]
        if _COUNTER.search(node.name):
            node.name = f"{_COUNTER.sub('', node.name)}__{k}"
            k += 1
    for t in g.initializer:
        t.name = r(t.name)
    for v in g.value_info:
        v.name = r(v.name)
    pos = {r(n): i for i, n in enumerate(order)}
    inits = sorted(g.initializer, key=lambda t: pos[t.name])
    infos = sorted(g.value_info, key=lambda t: pos.get(t.name, len(pos)))
    del g.initializer[:]
    g.initializer.extend(inits)
    del g.value_info[:]
    g.value_info.extend(infos)
    names = [n.name for n in g.node]
    if len(set(names)) != len(names):
        sys.exit("canonicalize: duplicate node names")
    return model


def build(name, pkg, work):
    """TFLite -> ONNX bytes (densified, pruned, canonical)."""
    import onnx

    src = os.path.join(pkg, name + ".tflite")
    if name == DETECTOR:
        dense = os.path.join(work, name + "_dense.tflite")
        n = densify(src, dense)
        print(f"{name}: materialised {n} DENSIFY outputs as constants")
        src = dense
    raw = os.path.join(work, name + ".raw.onnx")
    tf2onnx_convert(src, raw)
    model = onnx.load(raw)
    if name in LANDMARKS:
        model = prune_segmentation(model)
    model = canonicalize(model)
    # Provenance without temp paths (tf2onnx writes the input path into the doc string).
    import tf2onnx

    model.producer_name, model.producer_version = "tf2onnx", tf2onnx.__version__
    model.graph.name = name
    package, source_sha = ((FACE_NPM_PACKAGE, FACE_TFLITE_SHA256[name]) if name == FACE_DETECTOR
                           else (NPM_PACKAGE, TFLITE_SHA256[name]))
    model.graph.doc_string = (f"{name}.tflite from npm {package} (Apache-2.0, Google MediaPipe), "
                              "converted by hipflex tools/convert_models.py")
    del model.metadata_props[:]
    for k, v in [("source", f"npm {package}"), ("source_file", name + ".tflite"),
                 ("source_sha256", source_sha), ("license", "Apache-2.0")]:
        model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model)
    return model.SerializeToString()


# ---------------------------------------------------------------------------------------------
# Verify


def synthetic_figure(h, w, lo, hi, seed):
    """A crude standing person (head, torso, limbs) on a smooth textured background, RGB."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    img = np.zeros((h, w, 3))
    for c in range(3):  # low-frequency background
        for _ in range(4):
            fx, fy, ph = rng.uniform(0.5, 4, 2).tolist() + [rng.uniform(0, 6.3)]
            img[..., c] += np.sin(2 * np.pi * (fx * xx + fy * yy) + ph)
    img = 0.5 + 0.08 * img
    img += rng.normal(0, 0.02, img.shape)

    def capsule(p, q, r, colour):
        p, q = np.array(p), np.array(q)
        d = q - p
        t = np.clip(((yy - p[0]) * d[0] + (xx - p[1]) * d[1]) / (d @ d), 0, 1)
        dist = np.hypot(yy - (p[0] + t * d[0]), xx - (p[1] + t * d[1]))
        img[dist < r] = colour

    skin, shirt, trousers = (0.85, 0.65, 0.55), (0.2, 0.3, 0.7), (0.15, 0.15, 0.2)
    capsule((0.30, 0.50), (0.55, 0.50), 0.07, shirt)  # torso
    capsule((0.32, 0.44), (0.45, 0.38), 0.025, shirt)  # upper arms
    capsule((0.32, 0.56), (0.45, 0.62), 0.025, shirt)
    capsule((0.45, 0.38), (0.56, 0.36), 0.02, skin)  # forearms
    capsule((0.45, 0.62), (0.56, 0.64), 0.02, skin)
    capsule((0.55, 0.46), (0.72, 0.45), 0.035, trousers)  # thighs
    capsule((0.55, 0.54), (0.72, 0.55), 0.035, trousers)
    capsule((0.72, 0.45), (0.88, 0.44), 0.03, trousers)  # shins
    capsule((0.72, 0.55), (0.88, 0.56), 0.03, trousers)
    capsule((0.22, 0.50), (0.23, 0.50), 0.05, skin)  # head
    img = np.clip(img, 0, 1)
    return (lo + (hi - lo) * img)[None].astype(np.float32)


def frames_from(path, count=4):
    """RGB uint8 frames spread over a video (or one image), via OpenCV."""
    import cv2

    cap = cv2.VideoCapture(path)
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or 1
    out = []
    for i in np.linspace(0, n - 1, min(count, n)).astype(int):
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(i))
        ok, bgr = cap.read()
        if ok:
            out.append(bgr[..., ::-1])
    if not out:
        sys.exit(f"{path}: no frames read")
    return out


def frame_to_input(rgb, h, w, lo, hi, letterbox):
    """Detector: letterbox the whole frame; landmark: central square crop (a stand-in ROI)."""
    import cv2

    fh, fw = rgb.shape[:2]
    if letterbox:
        s = min(h / fh, w / fw)
        nh, nw = round(fh * s), round(fw * s)
        canvas = np.zeros((h, w, 3), np.uint8)
        y0, x0 = (h - nh) // 2, (w - nw) // 2
        canvas[y0 : y0 + nh, x0 : x0 + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    else:
        side = min(fh, fw)
        y0, x0 = (fh - side) // 2, (fw - side) // 2
        canvas = cv2.resize(rgb[y0 : y0 + side, x0 : x0 + side], (w, h), interpolation=cv2.INTER_AREA)
    return (lo + (hi - lo) * canvas.astype(np.float32) / 255.0)[None]


def verify(tflite, onnx_path, name, frames=()):
    """Runs both models on the same inputs. Returns ({output: max abs diff}, sanity dict)."""
    # ONNX Runtime's PyPI builds upload usage telemetry unless this is set first.
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime as ort
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=tflite)
    interp.allocate_tensors()
    tin = interp.get_input_details()[0]
    touts = {d["name"]: d for d in interp.get_output_details()}
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    oin = sess.get_inputs()[0]
    shape = tuple(int(s) for s in tin["shape"])

    # Interface: same input name/shape/dtype (NHWC float32) and output names/shapes.
    if (oin.name, tuple(oin.shape), oin.type) != (tin["name"], shape, "tensor(float)") or \
            tin["dtype"] != np.float32:
        sys.exit(f"{name}: ONNX input {oin.name} {oin.shape} {oin.type} != TFLite "
                 f"{tin['name']} {shape} {tin['dtype']}")
    expected_outs = {k: tuple(int(s) for s in d["shape"]) for k, d in touts.items()
                     if not (name in LANDMARKS and k == SEGMENTATION_OUTPUT)}
    got_outs = {o.name: tuple(o.shape) for o in sess.get_outputs()}
    if got_outs != expected_outs:
        sys.exit(f"{name}: ONNX outputs {got_outs} != TFLite {expected_outs}")

    is_det = name in SCORE_OUTPUT
    lo, hi = (-1.0, 1.0) if is_det else (0.0, 1.0)  # MediaPipe's ImageToTensor float ranges
    h, w = shape[1], shape[2]
    yy, xx = np.mgrid[0:h, 0:w]
    gradient = np.stack([xx / w, yy / h, ((xx + yy) % 32) / 32], -1)[None]
    rng = np.random.default_rng(0)
    inputs = {
        "noise": rng.uniform(lo, hi, shape).astype(np.float32),
        "gradient": (lo + (hi - lo) * gradient).astype(np.float32),
        "constant": np.full(shape, (lo + hi) / 2, np.float32),
        "figure": synthetic_figure(h, w, lo, hi, seed=1),
    }
    for i, rgb in enumerate(frames):
        inputs[f"frame{i}"] = frame_to_input(rgb, h, w, lo, hi, letterbox=is_det)

    worst, sanity = {}, {}
    for label, x in inputs.items():
        interp.set_tensor(tin["index"], x)
        interp.invoke()
        onnx_out = dict(zip(got_outs, sess.run(list(got_outs), {oin.name: x})))
        for out, b in onnx_out.items():
            a = interp.get_tensor(touts[out]["index"])
            diff = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
            worst[out] = max(worst.get(out, 0.0), diff)
        if is_det:
            score = 1 / (1 + np.exp(-np.clip(onnx_out[SCORE_OUTPUT[name]].max(), -100, 100)))
            sanity[label] = f"best score {score:.3f}"
        else:
            sanity[label] = f"pose flag {float(onnx_out['Identity_1'].ravel()[0]):.3f}"
    return worst, sanity


def tolerance(name, out):
    return TOLERANCE[name if name in TOLERANCE else "landmark"][out]


def describe(onnx_path):
    import onnx

    m = onnx.load(onnx_path)
    dims = lambda t: [d.dim_value for d in t.type.tensor_type.shape.dim]
    return {
        "inputs": [(i.name, dims(i)) for i in m.graph.input],
        "outputs": [(o.name, dims(o)) for o in m.graph.output],
    }


# ---------------------------------------------------------------------------------------------
# SHA256SUMS


def read_sums(path):
    sums = {}
    if os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                sums[parts[1].lstrip("*")] = parts[0]
    return sums


def write_sums(path, sums):
    text = ("# sha256 of each model; written by tools/convert_models.py (byte-reproducible with the\n"
            "# pins in tools/requirements-convert.txt), checked by hipflex on load. Heavy is not\n"
            "# committed: `tools/convert_models.py --heavy` builds it to this checksum.\n")
    text += "".join(f"{sums[f]}  {f}\n" for f in sorted(sums))
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
    ap.add_argument("--heavy", action="store_true", help="also build pose_landmark_heavy.onnx (27 MB, not committed)")
    ap.add_argument("--check", action="store_true",
                    help="do not convert: verify the ONNX files already in --out against TFLite and SHA256SUMS")
    ap.add_argument("--tarball", help="use this npm tarball instead of running `npm pack`")
    ap.add_argument("--face-tarball",
                    help=f"use this {FACE_NPM_PACKAGE} tarball instead of running `npm pack`")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="build or check only this model (e.g. face_detection_full_range); repeatable")
    ap.add_argument("--frames", action="append", default=[],
                    help="video or image whose frames are added to the verification inputs (needs OpenCV)")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    sums_path = os.path.join(out, "SHA256SUMS")
    sums = read_sums(sums_path)
    names = [DETECTOR, "pose_landmark_lite", "pose_landmark_full", FACE_DETECTOR] + \
        (["pose_landmark_heavy"] if args.heavy else [])
    if args.check:
        names = [n for n in names if os.path.exists(os.path.join(out, n + ".onnx"))] + \
                [n for n in ["pose_landmark_heavy"] if not args.heavy and os.path.exists(os.path.join(out, n + ".onnx"))]
    if args.only:
        known = [DETECTOR] + LANDMARKS + [FACE_DETECTOR]
        unknown = set(args.only) - set(known)
        if unknown:
            sys.exit(f"--only: unknown model(s) {sorted(unknown)}; known: {', '.join(known)}")
        missing = [n for n in args.only if args.check and not os.path.exists(os.path.join(out, n + ".onnx"))]
        if missing:
            sys.exit(f"--check --only: {', '.join(m + '.onnx' for m in missing)} not found in {out}; "
                     "build it first (without --check)")
        # Each model once, in build order, whether or not --heavy also named it.
        names = [n for n in known if n in args.only]
    frames = [f for p in args.frames for f in frames_from(p)]

    report, failed = {}, []
    with tempfile.TemporaryDirectory() as work:
        pose_pkg = fetch_package(work, args.tarball) if set(names) - {FACE_DETECTOR} else None
        face_pkg = fetch_face_package(work, args.face_tarball) if FACE_DETECTOR in names else None
        for name in names:
            pkg = face_pkg if name == FACE_DETECTOR else pose_pkg
            fname = name + ".onnx"
            dst = os.path.join(out, fname)
            if args.check:
                path, status = dst, "checked"
            else:
                blob = build(name, pkg, work)
                path = os.path.join(work, fname)
                with open(path, "wb") as f:
                    f.write(blob)
            diffs, sanity = verify(os.path.join(pkg, name + ".tflite"), path, name, frames)
            bad = {o: d for o, d in diffs.items() if d > tolerance(name, o)}
            digest, desc = sha256(path), describe(path)
            if not args.check:
                if bad:
                    status = "NOT written (differs from TFLite)"
                else:
                    same = os.path.exists(dst) and open(dst, "rb").read() == blob
                    if not same:
                        os.replace(path, dst)
                    if sums.get(fname) in (None, digest):
                        status = "unchanged" if same else "written"
                    else:
                        status = f"written; did NOT reproduce the recorded sha256 {sums[fname][:12]}..."
                    sums[fname] = digest
            elif sums.get(fname) != digest:
                status = f"sha256 does not match SHA256SUMS ({sums.get(fname, 'no entry')})"
                failed.append(name)
            if bad:
                failed.append(name)
            report[name] = {"status": status, "sha256": digest, "max_abs_diff": diffs,
                            "over_tolerance": bad, "sanity": sanity, **desc}
            print(f"{name}: {status}; max abs diff vs TFLite "
                  + ", ".join(f"{o} {d:.2g}" for o, d in sorted(diffs.items())))
    if not args.check:
        write_sums(sums_path, sums)

    print("\nSummary")
    for name, r in report.items():
        print(f"  {name}.onnx  sha256 {r['sha256']}  [{r['status']}]")
        for n, dims in r["inputs"]:
            print(f"    in  {n:11s} {dims}")
        for n, dims in r["outputs"]:
            tol = tolerance(name, n)
            print(f"    out {n:11s} {str(dims):18s} max abs diff {r['max_abs_diff'][n]:.3g} (tolerance {tol:g})")
        print("    sanity (ONNX): " + "; ".join(f"{k}: {v}" for k, v in r["sanity"].items()))
    if failed:
        sys.exit(f"FAILED: {', '.join(sorted(set(failed)))}")


if __name__ == "__main__":
    main()
