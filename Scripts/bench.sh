#!/usr/bin/env bash
# Reproduces Docs/Benchmarks.md: a release build in .build-bench, then for each thread count
#   fcngc bench SPEC --input HxW --threads T --repeat 5     (every conv beside sgemm; the network)
#   fcngc run SPEC --init random:0 --tensor X.npy --scores out.npy --repeat 3 --threads T
# on a random 1xCxHxW float32 tensor (python3 with numpy). Before each measurement it waits
# (up to QUIET_WAIT seconds) until the machine is at most 10% busy, and records the load.
#
# Usage: Scripts/bench.sh [SPEC [HxW [OUTDIR]]]   defaults: Models/fcn8s.yaml 500x500 .build-bench/bench
# Environment: THREADS="1 2"  REPEAT=5  RUN_REPEAT=3  CHANNELS=3  QUIET_WAIT=600 (0: don't wait)
set -euo pipefail
cd "$(dirname "$0")/.."

spec=${1:-Models/fcn8s.yaml}
size=${2:-500x500}
out=${3:-.build-bench/bench}
threads=${THREADS:-1 2}
repeat=${REPEAT:-5}
run_repeat=${RUN_REPEAT:-3}
channels=${CHANNELS:-3}
quiet_wait=${QUIET_WAIT:-600}
h=${size%x*}
w=${size#*x}
[ "$h" = "$size" ] && w=$h

echo "bench: building (release, .build-bench)"
swift build -c release --scratch-path .build-bench --product fcngc
bin="$(swift build -c release --scratch-path .build-bench --show-bin-path)/fcngc"
mkdir -p "$out"

# Machine summary.
{
    lscpu | grep -E '^(Model name|CPU family|Model:|Hypervisor vendor|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|L1d|L2|L3|Flags)' \
        | sed -E 's/^(Flags:[[:space:]]*).*/\1(avx512f: '"$(grep -c avx512f /proc/cpuinfo | tr -d '\n') of $(nproc) CPUs)"'/'
    grep -m1 MemTotal /proc/meminfo
    swift --version 2>&1 | head -1
    dpkg-query -W -f='${Package} ${Version}\n' libopenblas0-pthread 2>/dev/null || true
} | tee "$out/machine.txt"

# Input tensor.
x="$out/input-${channels}x${h}x${w}.npy"
python3 -c "import numpy as np; np.save('$x', np.random.default_rng(0).uniform(-128, 128, (1, $channels, $h, $w)).astype(np.float32))"

# Waits until the machine is at most 10% busy over 5 s (or quiet_wait seconds pass).
wait_quiet() {
    local waited=0 busy=100 u n s i io q sq st rest t1 i1 t2 i2
    while :; do
        read -r _ u n s i io q sq st rest < /proc/stat; t1=$((u+n+s+i+io+q+sq+st)); i1=$((i+io))
        sleep 5
        read -r _ u n s i io q sq st rest < /proc/stat; t2=$((u+n+s+i+io+q+sq+st)); i2=$((i+io))
        busy=$((100 - 100 * (i2 - i1) / (t2 - t1)))
        waited=$((waited + 5))
        if [ "$busy" -le 10 ] || [ "$waited" -ge "$quiet_wait" ]; then break; fi
    done
    echo "machine ${busy}% busy over 5 s (waited ${waited} s); $(uptime | sed 's/.*load/load/')"
}

for t in $threads; do
    [ "$quiet_wait" -gt 0 ] && wait_quiet | tee "$out/bench-t$t.txt" || : > "$out/bench-t$t.txt"
    echo "\$ fcngc bench $spec --input ${h}x${w} --threads $t --repeat $repeat" | tee -a "$out/bench-t$t.txt"
    "$bin" bench "$spec" --input "${h}x${w}" --threads "$t" --repeat "$repeat" | tee -a "$out/bench-t$t.txt"

    [ "$quiet_wait" -gt 0 ] && wait_quiet | tee "$out/run-t$t.txt" || : > "$out/run-t$t.txt"
    echo "\$ fcngc run $spec --init random:0 --tensor $x --scores $out/scores-t$t.npy --repeat $run_repeat --threads $t" | tee -a "$out/run-t$t.txt"
    "$bin" run "$spec" --init random:0 --tensor "$x" --scores "$out/scores-t$t.npy" --repeat "$run_repeat" --threads "$t" 2>&1 \
        | tee -a "$out/run-t$t.txt"
done
echo "bench: results in $out/"
