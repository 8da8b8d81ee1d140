#!/usr/bin/env python3
"""Check an fcngc ONNX export and compare onnxruntime's scores with fcngc's.

Usage:
  onnx_verify.py MODEL.onnx INPUT.npy [EXPECTED.npy] [--feed NAME=IN.npy ...] [--intermediates DIR]
                         [--tolerance 1e-4] [--expect-shape N,C,H,W] [--save DIR] [--quiet]

  MODEL.onnx       written by fcngc's ONNX exporter (dynamic or fixed size)
  INPUT.npy        the network input, (N, C, H, W) float32, already preprocessed (channel
                   order, mean, scale: see the model's fcngc.input.* metadata)
  --feed NAME=IN.npy
                   another graph input, by name (models with several inputs; INPUT.npy
                   feeds the first)
  EXPECTED.npy     fcngc's (primary) output for INPUT.npy (`fcngc run --tensor INPUT.npy --scores EXPECTED.npy`);
                   without it the model is only checked and run
  --intermediates DIR
                   fcngc's per-layer outputs, DIR/<layer>.npy; when the scores differ, every
                   layer found there is compared in graph order and the first one above the
                   tolerance is named (every layer found is compared, and any layer above the
                   tolerance fails the check). Layer outputs the model does not expose are
                   added as extra graph outputs before running (the file is not changed).
  --tolerance T    largest accepted max|diff| / max|expected| (default 1e-4); expected values
                   at +-FLT_MAX (max-pool windows holding only padding) must match exactly
  --expect-shape   the output shape the scores must have, e.g. 1,21,64,64 (checked with or
                   without EXPECTED.npy)
  --save DIR       write onnxruntime's outputs as DIR/<layer>.npy (and DIR/score.npy)

Steps: onnx.checker.check_model(full_check=True) (structure, types, strict shape inference),
an onnxruntime CPU session, one run, the comparisons: every layer with a file in graph
order, then the scores; one line each (--quiet: only those above the tolerance). The last
line is the verdict: OK, or FAILED (N problems: ...), N counting every line above the
tolerance and every other failed check.
Exit code: 0 when every check passes, 1 when one fails, 2 on usage errors.
"""
import argparse
import os
import sys

import numpy as np


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("expected", nargs="?")
    ap.add_argument("--feed", action="append", default=[], metavar="NAME=IN.npy")
    ap.add_argument("--intermediates", metavar="DIR")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--expect-shape", metavar="N,C,H,W")
    ap.add_argument("--save", metavar="DIR")
    ap.add_argument("--quiet", action="store_true", help="print failures and the summary only")
    return ap.parse_args(argv)


def layer_values(model):
    """[(layer, value)] in graph order: fcngc's metadata, else every node output."""
    for p in model.metadata_props:
        if p.key == "fcngc.layer_values" and p.value:
            return [tuple(item.split("=", 1)) for item in p.value.split(",")]
    out = []
    for node in model.graph.node:
        if node.op_type != "Constant":
            out += [(o, o) for o in node.output]
    return out


# Caffe (and fcngc) give -FLT_MAX for a max-pool window that holds only padding.
SENTINEL = float(np.finfo(np.float32).max)


def compare(name, got, want, tol):
    """(ok, text) for one tensor: max|diff| / max|expected|. Expected values at +-FLT_MAX
    (empty max-pool windows) must be matched exactly and are left out of the scale."""
    if got.shape != want.shape:
        return False, f"{name}: shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    got = got.astype(np.float64)
    sentinel = np.abs(want) >= SENTINEL
    sentinel_ok = bool(np.all(got[sentinel] == want[sentinel]))
    rest = ~sentinel
    diff = float(np.max(np.abs(got[rest] - want[rest]))) if rest.any() else 0.0
    scale = float(np.max(np.abs(want[rest]))) if rest.any() else 0.0
    rel = diff / scale if scale > 0 else diff
    ok = bool(np.isfinite(rel)) and rel <= tol and sentinel_ok
    text = f"{name}: max|diff| {diff:.3e} / max|expected| {scale:.3e} = {rel:.3e} ({'ok' if ok else 'ABOVE ' + format(tol, 'g')})"
    if not sentinel_ok:
        text += f"; {int(np.sum(got[sentinel] != want[sentinel]))} empty-window values (-FLT_MAX) differ"
    return ok, text


def main(argv):
    a = parse_args(argv)
    import onnx
    import onnxruntime as ort

    say = (lambda *x: None) if a.quiet else print
    failures = []

    # 1. The checker, on the path (works for models over 2 GB too).
    try:
        onnx.checker.check_model(a.model, full_check=True)
        say(f"check_model(full_check=True): ok (onnx {onnx.__version__})")
    except Exception as e:  # noqa: BLE001 - report whatever the checker raises
        print(f"check_model(full_check=True): FAILED: {e}")
        return 1

    model = onnx.load(a.model)
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    say(f"model: {model.graph.name}, IR {model.ir_version}, opset {opsets}, {len(model.graph.node)} nodes, "
        f"{len(model.graph.initializer)} initializers")

    x = np.load(a.input)
    if x.ndim != 4:
        print(f"input {a.input}: expected (N, C, H, W), found shape {x.shape}")
        return 2
    x = x.astype(np.float32, copy=False)
    graph_input = model.graph.input[0].name
    feeds = {graph_input: x}
    for item in a.feed:
        name, _, path = item.partition("=")
        if name not in [i.name for i in model.graph.input]:
            print(f"--feed {item}: the model has no input '{name}'")
            return 2
        feeds[name] = np.load(path).astype(np.float32, copy=False)
    graph_inputs = set(feeds)
    score_name = model.graph.output[0].name

    # 2. Which layer outputs to fetch: the score, and the layers with an intermediate file.
    pairs = layer_values(model)
    wanted = {}
    if a.intermediates:
        for layer, value in pairs:
            path = os.path.join(a.intermediates, layer + ".npy")
            if os.path.exists(path) and value not in graph_inputs:
                wanted[layer] = (value, path)
    fetch_values = {score_name}
    fetch_values.update(v for v, _ in wanted.values())
    if a.save:
        fetch_values.update(v for _, v in pairs if v not in graph_inputs)
    exposed = {o.name for o in model.graph.output}
    for v in sorted(fetch_values - exposed):
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(v))

    # 3. onnxruntime.
    so = ort.SessionOptions()
    so.log_severity_level = 3
    try:
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        results = dict(zip(names, sess.run(names, feeds)))
    except Exception as e:  # noqa: BLE001
        print(f"onnxruntime {ort.__version__}: FAILED: {e}")
        return 1
    score = results[score_name]
    say(f"onnxruntime {ort.__version__}: ran input {tuple(x.shape)} -> {score_name} {tuple(score.shape)}")

    if a.save:
        os.makedirs(a.save, exist_ok=True)
        for layer, value in pairs:
            if value in results:
                np.save(os.path.join(a.save, layer + ".npy"), results[value])
        np.save(os.path.join(a.save, score_name + ".npy"), score)

    if a.expect_shape:
        want_shape = tuple(int(s) for s in a.expect_shape.split(","))
        if tuple(score.shape) != want_shape:
            failures.append("the output shape")
            print(f"output shape: FAILED: {tuple(score.shape)}, expected {want_shape}")
        else:
            say(f"output shape: ok {want_shape}")
    if not np.all(np.isfinite(score)):
        failures.append("non-finite scores")
        print("scores: FAILED: non-finite values")

    # 4. Top-down: every layer with fcngc's output, in graph order, then the scores. Each
    #    comparison is one line; each line above the tolerance is one problem.
    above = []
    if wanted:
        say(f"layers compared, in graph order ({len(wanted)} of {len(pairs)} have fcngc's output):")
        for layer, _ in pairs:
            if layer not in wanted:
                continue
            value, path = wanted[layer]
            ok, text = compare(layer, results[value], np.load(path).astype(np.float64), a.tolerance)
            if not ok:
                above.append(layer)
                print("  " + text + ("  <- first diverging layer" if len(above) == 1 else ""))
            else:
                say("  " + text)
    if a.expected:
        want = np.load(a.expected).astype(np.float64)
        ok, text = compare("scores", score, want, a.tolerance)
        print(text)
        if not ok:
            failures.append("the scores")

    if above:
        print(f"first diverging layer: {above[0]}")
    elif failures and wanted:
        print("every intermediate layer with a file agrees; the difference arises after them")

    problems = len(above) + len(failures)
    if problems:
        parts = ([f"{len(above)} layer{'s' if len(above) != 1 else ''} above {a.tolerance:g}"] if above else []) + failures
        print(f"FAILED ({problems} problem{'s' if problems != 1 else ''}: {', '.join(parts)})")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
