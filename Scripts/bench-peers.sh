#!/usr/bin/env bash
# fcngc against ONNX Runtime and OpenVINO on the same model, weights and input.
#
#   Scripts/bench-peers.sh [SPEC [HxW]]      (default Models/fcn8s.yaml 500x500)
#   env: ROUNDS=3 REPEAT=3 THREADS="1 2" SEED=7 ALGO=auto FCNGC=.build/release/fcngc
#
# Exports SPEC with random:SEED weights (`fcngc export onnx`, dynamic size), makes one random
# input, then for each round and thread count runs the three engines, each in a fresh process
# under /usr/bin/time -v (peak RSS), in an order that rotates from round to round so a change
# of load hits all of them. Each process reports the median of REPEAT runs (the peers after one
# warm-up run; fcngc counts its first, cold run among the REPEAT). The table shows, per engine
# and thread count, the median over rounds, fcngc's time over the faster peer's (per round,
# then the median), the largest peak RSS, and fcngc's max|diff| / max|score| against ONNX
# Runtime. A second table gives the CPU time of the process per run (median): on a loaded
# machine it is a steadier measure than wall time at 1 thread (at 2 threads the peers' spinning
# worker threads count in it too). OpenVINO is installed into .venv on first use. Not part of `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

SPEC=${1:-Models/fcn8s.yaml}
SIZE=${2:-500x500}
ROUNDS=${ROUNDS:-3}
REPEAT=${REPEAT:-3}
THREADS=${THREADS:-"1 2"}
SEED=${SEED:-7}
ALGO=${ALGO:-auto}
FCNGC=${FCNGC:-.build/release/fcngc}
PY=.venv/bin/python

[ -x "$PY" ] || { echo "error: no $PY (run Scripts/setup.sh)" >&2; exit 1; }
"$PY" -c "import onnxruntime" || { echo "error: onnxruntime missing in .venv (run Scripts/setup.sh)" >&2; exit 1; }
if ! "$PY" -c "import openvino" 2>/dev/null; then
    echo "installing openvino into .venv ..." >&2
    .venv/bin/pip install --quiet openvino
fi
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
if [ ! -x "$FCNGC" ]; then swift build -c release --product fcngc; fi

[ "$REPEAT" -ge 2 ] || { echo "error: REPEAT must be at least 2 (fcngc run prints its median from 2 runs on)" >&2; exit 1; }
H=${SIZE%x*}; W=${SIZE#*x}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$FCNGC" export onnx "$SPEC" --init "random:$SEED" -o "$WORK/model.onnx" 2>/dev/null
"$PY" -c "import numpy as np; np.save('$WORK/x.npy', np.random.default_rng(0).uniform(-128, 128, (1, 3, $H, $W)).astype(np.float32))"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(grep -o 'avx512f' /proc/cpuinfo | head -1 || echo 'no avx512')"
echo "model: $SPEC at $SIZE, weights random:$SEED, rounds $ROUNDS, runs per process $REPEAT, conv algorithm $ALGO"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

run_engine() {  # engine threads -> appends "threads engine ms rss_kb" to results
    local engine=$1 threads=$2 out="$WORK/$1-$2.npy"
    local cmd
    case $engine in
        fcngc) cmd=("$FCNGC" run "$SPEC" --init "random:$SEED" --tensor "$WORK/x.npy" --scores "$out"
                    --threads "$threads" --repeat "$REPEAT" --conv-algorithm "$ALGO") ;;
        ort|openvino) cmd=("$PY" Scripts/peer_run.py "$engine" "$WORK/model.onnx" "$WORK/x.npy" "$out"
                           --threads "$threads" --repeat "$REPEAT") ;;
    esac
    if ! /usr/bin/time -v -o "$WORK/time.txt" "${cmd[@]}" 2> "$WORK/err.txt" >/dev/null; then
        echo "error: $engine failed:" >&2; cat "$WORK/err.txt" >&2; exit 1
    fi
    local ms rss cpu
    ms=$(sed -n 's/.*time: median \([0-9.]*\) ms.*/\1/p' "$WORK/err.txt" | tail -1)
    cpu=$(sed -n 's/.*CPU time median \([0-9.]*\) ms.*/\1/p' "$WORK/err.txt" | tail -1)
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$WORK/time.txt")
    grep -h '^ONNX Runtime\|^OpenVINO' "$WORK/err.txt" | sed 's/: time.*//' > "$WORK/label-$engine" || true
    echo "$threads $engine $ms $rss $cpu" >> "$WORK/results"
    echo "  round $round, $threads thread(s): $engine $ms ms (CPU $cpu ms), peak RSS $((rss / 1024)) MiB" >&2
}

engines=(fcngc ort openvino)
for round in $(seq 1 "$ROUNDS"); do
    for threads in $THREADS; do
        for k in 0 1 2; do
            run_engine "${engines[$(((k + round + threads) % 3))]}" "$threads"
        done
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$WORK" "$ROUNDS" <<'EOF'
import sys, statistics, numpy as np, os
work, rounds = sys.argv[1], int(sys.argv[2])
rows = [l.split() for l in open(f"{work}/results")]
label = {"fcngc": "fcngc run"}
for e in ("ort", "openvino"):
    p = f"{work}/label-{e}"
    label[e] = open(p).read().strip() if os.path.exists(p) and open(p).read().strip() else e
threads = sorted({int(r[0]) for r in rows})
print()
print("| engine | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in threads) + " | peak RSS |")
print("|---|" + "---|" * len(threads) + "---|")
for e in ("fcngc", "ort", "openvino"):
    cells = []
    for t in threads:
        ms = [float(r[2]) for r in rows if r[1] == e and int(r[0]) == t]
        cells.append(f"{statistics.median(ms):.0f} ms")
    rss = max(int(r[3]) for r in rows if r[1] == e) / 1024
    print(f"| {label[e]} | " + " | ".join(cells) + f" | {rss:.0f} MiB |")
def ratio_row(col, title):
    out = []
    for t in threads:
        per = [r for r in rows if int(r[0]) == t]
        rs = []
        for i in range(0, len(per), 3):
            d = {r[1]: float(r[col]) for r in per[i:i + 3]}
            rs.append(d["fcngc"] / min(d["ort"], d["openvino"]))
        out.append(f"{statistics.median(rs):.2f} (rounds: {', '.join(f'{x:.2f}' for x in rs)})")
    print(f"| {title} | " + " | ".join(out) + " | |")
ratio_row(2, "fcngc / faster peer")
print()
print("CPU time per run (median):")
print()
print("| engine | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in threads) + " | |")
print("|---|" + "---|" * len(threads) + "---|")
for e in ("fcngc", "ort", "openvino"):
    cells = [f"{statistics.median([float(r[4]) for r in rows if r[1] == e and int(r[0]) == t]):.0f} ms" for t in threads]
    print(f"| {label[e]} | " + " | ".join(cells) + " | |")
ratio_row(4, "fcngc / faster peer (CPU)")
ref = np.load(f"{work}/ort-{threads[0]}.npy").astype(np.float64)
for t in threads:
    got = np.load(f"{work}/fcngc-{t}.npy").astype(np.float64)
    diff = np.abs(got - ref).max() / np.abs(ref).max()
    print(f"\nfcngc ({t} thread{'s' if t > 1 else ''}) vs ONNX Runtime: max|diff| / max|score| = {diff:.3e}", end="")
    top2 = np.sort(ref[0], axis=0)[-2:]
    clear = (top2[1] - top2[0]) > 1e-3 * np.abs(ref).max()
    agree = (got[0].argmax(0) == ref[0].argmax(0))[clear].mean()
    print(f"; argmax agrees on {agree * 100:.4f}% of pixels with a top-2 margin > 1e-3 of max|score|")
EOF
