#!/usr/bin/env bash
# Scripts/fuzz.sh TARGET SECONDS: runs one fuzz target for SECONDS under libFuzzer with
# AddressSanitizer. Targets: spec, safetensors, npy, image, label (Sources/FCNFuzzEntries).
#
# The driver (Fuzz/Driver/driver.c) is built in its own scratch directory (.build-fuzz) with
# -sanitize=fuzzer,address. Seeds come from Fuzz/corpus/TARGET (read only); new inputs go to a
# temporary directory; a crashing input is saved as Fuzz/crashers/TARGET/crash-<sha1> (commit
# it with the fix: FuzzReplayTests replays every crasher on every test run).
# Prints one line: "fuzz TARGET: N executions in S s (R exec/s), ok" or "..., CRASH <file>",
# and exits non-zero on a crash. FUZZ_JOBS is not supported: one fuzzer at a time (2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

targets="spec safetensors npy image label plan"
target=${1:-}
seconds=${2:-60}
if [ -z "$target" ] || ! [[ " $targets " == *" $target "* ]]; then
    echo "usage: Scripts/fuzz.sh TARGET SECONDS   (TARGET: ${targets// /, })" >&2
    exit 2
fi

# Inputs up to 8 KiB (plans: 64 KiB, a saved plan of FCN-8s is 60 KB); FUZZ_MAX_LEN overrides.
max_len=${FUZZ_MAX_LEN:-$([ "$target" = plan ] && echo 65536 || echo 8192)}

scratch=.build-fuzz
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    swift build --scratch-path "$scratch" -c release --sanitize fuzzer --sanitize address \
        -Xcc -DFCNGC_LIBFUZZER --product fcngc-fuzz-driver >&2
fi
bin="$scratch/release/fcngc-fuzz-driver"

work=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$work" "$log"' EXIT
mkdir -p "Fuzz/crashers/$target"

set +e
ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:malloc_context_size=0 FCNGC_FUZZ_TARGET="$target" "$bin" \
    -max_total_time="$seconds" -timeout=60 -report_slow_units=60 -rss_limit_mb=3072 -max_len="$max_len" \
    -print_final_stats=1 -artifact_prefix="Fuzz/crashers/$target/" \
    "$work" "Fuzz/corpus/$target" >"$log" 2>&1
status=$?
set -e

execs=$(grep -E "stat::number_of_executed_units" "$log" | tail -1 | awk '{print $2}' || true)
rate=$(grep -E "stat::average_exec_per_sec" "$log" | tail -1 | awk '{print $2}' || true)
# crash-, timeout- and oom- artifacts fail the run; slow-unit- ones are only reports.
crash=$(grep -oE "Test unit written to [^ ]+" "$log" | sed 's/Test unit written to //' | grep -v "/slow-unit-" | tail -1 || true)
rm -f "Fuzz/crashers/$target"/slow-unit-*
if [ "$status" -ne 0 ] || [ -n "$crash" ]; then
    tail -60 "$log" >&2
    echo "fuzz $target: ${execs:-?} executions in $seconds s (${rate:-?} exec/s), CRASH ${crash:-(exit $status)}"
    exit 1
fi
echo "fuzz $target: ${execs:-?} executions in $seconds s (${rate:-?} exec/s), ok"
