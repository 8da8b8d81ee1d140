#!/usr/bin/env python3
"""One peer run for Scripts/bench-peers.sh: load an ONNX model in ONNX Runtime or OpenVINO,
run it on an .npy input with a given thread count, and print the median and minimum time of
--repeat runs after one warm-up, and the median CPU time of the process per run (the same
line format as `fcngc run --repeat`), then write
the scores. One process per run: the caller measures its peak RSS with /usr/bin/time -v.

  peer_run.py ort|openvino MODEL.onnx INPUT.npy SCORES.npy --threads N --repeat K
"""
import argparse
import statistics
import sys
import time

import numpy as np


def ort_runner(model, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return f"ONNX Runtime {ort.__version__}", lambda x: sess.run(None, {name: x})[0]


def openvino_runner(model, threads):
    import openvino as ov
    core = ov.Core()
    config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_PRECISION_HINT": "f32", "NUM_STREAMS": 1}
    compiled = core.compile_model(model, "CPU", config)
    request = compiled.create_infer_request()

    def run(x):
        request.infer({0: x})
        return request.get_output_tensor(0).data.copy()
    return f"OpenVINO {ov.get_version().split('-')[0]}", run


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("engine", choices=["ort", "openvino"])
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("scores")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    x = np.load(a.input).astype(np.float32)
    label, run = (ort_runner if a.engine == "ort" else openvino_runner)(a.model, a.threads)
    y = run(x)  # warm-up
    times, cpu = [], []
    for _ in range(a.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        y = run(x)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    np.save(a.scores, np.asarray(y, dtype=np.float32))
    print(f"{label}: time: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms over {a.repeat} runs; "
          f"CPU time median {sorted(cpu)[len(cpu) // 2]:.1f} ms",
          file=sys.stderr)


if __name__ == "__main__":
    main()
