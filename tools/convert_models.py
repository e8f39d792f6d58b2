#!/usr/bin/env python3
"""Rebuild hipflex's ONNX pose models from MediaPipe's TFLite originals, and verify them.

Developer-time, offline after the package registries:
  python3 -m venv /tmp/conv && /tmp/conv/bin/pip install -r tools/requirements-convert.txt
  /tmp/conv/bin/python tools/convert_models.py [--heavy] [--out models]

Source: npm package @mediapipe/pose@0.5.1675469404 (Apache-2.0), fetched with `npm pack` and
checked against a pinned sha256. The landmark models are converted directly with tf2onnx
(--tflite, opset 17). The detector stores 38 weight tensors sparsely behind DENSIFY ops that
tf2onnx cannot read: we run the TFLite interpreter once with experimental_preserve_all_tensors,
write each DENSIFY output into the model as a constant buffer, drop the DENSIFY ops, and convert
that. Every ONNX file is then compared with its TFLite original on the same inputs (random and
structured) and the script fails if any output differs by more than the tolerance.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
NPM_TGZ_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
OPSET = 17
# Max abs difference allowed between TFLite and ONNX outputs, per model.
# Units: detector box offsets are 224-px input pixels and scores are logits; landmark outputs are
# 256-px crop pixels. XNNPACK (TFLite) and ONNX Runtime sum in different orders.
TOLERANCE = {"pose_detection": 0.01, "pose_landmark_lite": 0.05, "pose_landmark_full": 0.05, "pose_landmark_heavy": 0.05}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_package(work):
    subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    tgz = [f for f in os.listdir(work) if f.endswith(".tgz")][0]
    tgz = os.path.join(work, tgz)
    got = sha256(tgz)
    if got != NPM_TGZ_SHA256:
        sys.exit(f"{tgz}: sha256 {got} != pinned {NPM_TGZ_SHA256}")
    with tarfile.open(tgz) as t:
        t.extractall(work, filter="data")
    pkg = os.path.join(work, "package")
    # The detector is packed into pose_solution_packed_assets.data; offsets from the loader.
    loader = open(os.path.join(pkg, "pose_solution_packed_assets_loader.js")).read()
    start = loader.index('"files"')
    files = json.loads(loader[start + len('"files"') + 1 : loader.index("]", start) + 1])
    det = next(f for f in files if f["filename"].endswith("pose_detection.tflite"))
    with open(os.path.join(pkg, "pose_solution_packed_assets.data"), "rb") as f:
        data = f.read()
    with open(os.path.join(pkg, "pose_detection.tflite"), "wb") as f:
        f.write(data[det["start"] : det["end"]])
    return pkg


def densify(src, dst):
    """Replace DENSIFY ops by constant dense weights."""
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils as fbu

    model = fbu.read_model(src)
    interp = tf.lite.Interpreter(model_path=src, experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    interp.set_tensor(inp["index"], np.zeros(inp["shape"], dtype=inp["dtype"]))
    interp.invoke()
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
        buf = schema.BufferT()
        buf.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
        model.buffers.append(buf)
        sg.tensors[out].buffer = len(model.buffers) - 1
        # The sparse source tensor is now unused: drop its sparse encoding and data,
        # which tf2onnx cannot parse.
        src_t = sg.tensors[op.inputs[0]]
        src_t.sparsity = None
        model.buffers[src_t.buffer].data = None
        count += 1
    sg.operators = kept
    fbu.write_model(model, dst)
    return count


def convert(tflite, onnx_path):
    subprocess.run(
        [sys.executable, "-m", "tf2onnx.convert", "--tflite", tflite, "--output", onnx_path, "--opset", str(OPSET)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def drop_segmentation(onnx_path):
    """Removes the segmentation head (hipflex does not use the mask): ONNX Runtime then
    skips its decoder entirely, which saves inference time on every frame."""
    import onnx
    from onnx import utils

    seg = segmentation_outputs(onnx_path)
    if not seg:
        return
    m = onnx.load(onnx_path)
    keep = [o.name for o in m.graph.output if o.name not in seg]
    inputs = [i.name for i in m.graph.input]
    utils.extract_model(onnx_path, onnx_path, inputs, keep)


def verify(tflite, onnx_path, name, seed=0):
    """Runs both models on the same inputs; returns {output: max abs diff}."""
    import onnxruntime as ort
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=tflite)
    interp.allocate_tensors()
    tin = interp.get_input_details()[0]
    touts = interp.get_output_details()
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    oin = sess.get_inputs()[0]
    rng = np.random.default_rng(seed)
    shape = tuple(tin["shape"])
    lo, hi = (-1.0, 1.0) if "detection" in name else (0.0, 1.0)
    yy, xx = np.mgrid[0 : shape[1], 0 : shape[2]]
    structured = np.stack([(xx / shape[2]), (yy / shape[1]), ((xx + yy) % 32) / 32], -1)[None]
    inputs = [
        rng.uniform(lo, hi, shape).astype(np.float32),
        (lo + (hi - lo) * structured).astype(np.float32),
        np.full(shape, (lo + hi) / 2, np.float32),
    ]
    worst = {}
    for x in inputs:
        interp.set_tensor(tin["index"], x)
        interp.invoke()
        onnx_out = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {oin.name: x})))
        for d in touts:
            if d["name"] not in onnx_out:
                continue  # pruned output (segmentation)
            a = interp.get_tensor(d["index"])
            b = onnx_out[d["name"]]
            diff = float(np.max(np.abs(a.astype(np.float64) - b.reshape(a.shape))))
            worst[d["name"]] = max(worst.get(d["name"], 0.0), diff)
    return worst


def segmentation_outputs(onnx_path):
    """Names of outputs shaped like a 256x256 mask."""
    return {name for name, dims in describe(onnx_path)["outputs"] if dims[1:3] == [256, 256]}


def describe(onnx_path):
    import onnx

    m = onnx.load(onnx_path)
    dims = lambda t: [d.dim_value for d in t.type.tensor_type.shape.dim]
    return {
        "inputs": [(i.name, dims(i)) for i in m.graph.input],
        "outputs": [(o.name, dims(o)) for o in m.graph.output],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models"))
    ap.add_argument("--heavy", action="store_true", help="also build pose_landmark_heavy.onnx (27 MB, not committed)")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    names = ["pose_detection", "pose_landmark_lite", "pose_landmark_full"] + (["pose_landmark_heavy"] if args.heavy else [])
    report = {}
    with tempfile.TemporaryDirectory() as work:
        pkg = fetch_package(work)
        for name in names:
            src = os.path.join(pkg, name + ".tflite")
            if name == "pose_detection":
                dense = os.path.join(work, name + "_dense.tflite")
                n = densify(src, dense)
                print(f"{name}: materialised {n} DENSIFY outputs")
                src_for_onnx = dense
            else:
                src_for_onnx = src
            tmp = os.path.join(work, name + ".onnx")
            convert(src_for_onnx, tmp)
            drop_segmentation(tmp)
            diffs = verify(src, tmp, name)
            worst = max(diffs.values())
            print(f"{name}: max abs diff vs TFLite {worst:.3g} ({diffs})")
            if worst > TOLERANCE[name]:
                sys.exit(f"{name}: ONNX differs from TFLite by {worst} > {TOLERANCE[name]}")
            shutil.move(tmp, os.path.join(out, name + ".onnx"))
            report[name] = {"sha256": sha256(os.path.join(out, name + ".onnx")), "tflite_sha256": sha256(src),
                            "max_abs_diff": diffs, **describe(os.path.join(out, name + ".onnx"))}
    # SHA256SUMS keeps entries for models not rebuilt this time (e.g. heavy).
    sums_path = os.path.join(out, "SHA256SUMS")
    sums = {}
    if os.path.exists(sums_path):
        for line in open(sums_path):
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                sums[parts[1]] = parts[0]
    for name, r in report.items():
        sums[name + ".onnx"] = r["sha256"]
    with open(sums_path, "w") as f:
        f.write("# sha256 of each model; written by tools/convert_models.py, checked by hipflex on load\n")
        for fname in sorted(sums):
            f.write(f"{sums[fname]}  {fname}\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
