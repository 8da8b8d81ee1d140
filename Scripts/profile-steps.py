#!/usr/bin/env python3
"""Per-step profile of one `fcngc run --trace FILE.json` run, as a text table.

    fcngc run SPEC --init random:0 --tensor X.npy --scores out.npy --trace run.json --threads 1
    python3 Scripts/profile-steps.py run.json [--top N]

Prints every step (slowest first; --top limits the rows) with its time, share of the run,
MACs, GFLOP/s (2 x MACs / time) and the process's CPU time meanwhile (all threads; a step
that waited for a CPU on a busy machine shows wall time above CPU time at 1 thread), then the
time per op kind. Reads only the trace's
"steps" slices (cat "step"); the worker-thread slices are left to Perfetto.
"""
import argparse
import json
import sys
from collections import defaultdict


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=0, help="show only the N slowest steps")
    args = ap.parse_args()
    try:
        with open(args.trace) as f:
            events = json.load(f)["traceEvents"]
    except (OSError, ValueError, KeyError) as e:
        print(f"{args.trace}: error: not a fcngc trace ({e})", file=sys.stderr)
        return 1
    steps = [e for e in events if e.get("cat") == "step"]
    if not steps:
        print(f"{args.trace}: error: no step slices", file=sys.stderr)
        return 1
    total = sum(e["dur"] for e in steps) / 1000
    rows = sorted(steps, key=lambda e: -e["dur"])
    if args.top > 0:
        rows = rows[: args.top]
    print(f"{'#':>3}  {'step':<24} {'op':<16} {'ms':>9} {'share':>6} {'GMAC':>8} {'GFLOP/s':>8} {'CPU ms':>9}")
    for e in rows:
        a = e["args"]
        ms = e["dur"] / 1000
        gf = a.get("GFLOP/s")
        print(f"{a['step']:>3}  {e['name'][:24]:<24} {a['op'][:16]:<16} {ms:9.1f} {100 * ms / total:5.1f}% "
              f"{a['MACs'] / 1e9:8.2f} {'' if gf is None else f'{gf:8.1f}':>8} {a.get('CPU ms', float('nan')):9.1f}")
    by_op = defaultdict(float)
    for e in steps:
        by_op[e["args"]["op"].split("+")[0]] += e["dur"] / 1000
    print(f"\nall {len(steps)} steps: {total:.1f} ms")
    for op, ms in sorted(by_op.items(), key=lambda kv: -kv[1]):
        print(f"  {op:<14} {ms:9.1f} ms {100 * ms / total:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
