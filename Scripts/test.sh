#!/usr/bin/env bash
# The test command (README, .ci/run): the whole XCTest suite (which also replays the
# committed fuzz corpus and crashers), then `fcngc verify` of every shipped model against ONNX
# Runtime (Scripts/verify-models.sh; VERIFY_MODELS=0 skips it), then a short fuzz pass over every target
# (FUZZ_SECONDS each, 60 by default; 0 skips it). Ends with the plain line "N passed, M failed"
# (XCTest cases, plus one per verified model and one per fuzz target) and a non-zero status if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift test 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
# XCTest's total (the last line swift test prints belongs to Swift Testing, which has no tests here).
total=$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1)
n=$(echo "$total" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
f=$(echo "$total" | sed -E 's/.*with ([0-9]+) failures?.*/\1/')
if [ -z "$total" ]; then n=1; f=1; fi          # the suite did not run (build error, crash)
if [ "$test_status" -ne 0 ] && [ "$f" -eq 0 ]; then n=$((n + 1)); f=1; fi

# Every shipped model against ONNX Runtime at two sizes (release binary); one test per model.
if [ "${VERIFY_MODELS:-1}" != 0 ]; then
    vlog=$(mktemp)
    bash Scripts/verify-models.sh | tee "$vlog"
    vn=$(grep -c "^verify Models/" "$vlog")
    vf=$(grep -c "^verify Models/.*: FAILED" "$vlog")
    if [ "$vn" -eq 0 ]; then vn=1; vf=1; fi       # the script did not run (build error)
    n=$((n + vn)); f=$((f + vf))
    rm -f "$vlog"
fi

seconds=${FUZZ_SECONDS:-60}
if [ "$seconds" -gt 0 ]; then
    first=1
    for target in spec safetensors npy image label plan; do
        if [ $first -eq 1 ]; then build=""; first=0; else build=1; fi
        if FUZZ_NO_BUILD=$build bash Scripts/fuzz.sh "$target" "$seconds"; then
            n=$((n + 1))
        else
            n=$((n + 1)); f=$((f + 1))
        fi
    done
fi
echo "$((n - f)) passed, $f failed"
[ "$f" -eq 0 ]
