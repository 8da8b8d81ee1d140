#!/usr/bin/env bash
# Scripts/verify-models.sh: `fcngc verify` (ONNX Runtime on fcngc's own ONNX export, every
# layer and every output compared, 1e-4 of the largest score) for every shipped model in
# Models/, at two small sizes, one of them odd, with random weights. Run by Scripts/test.sh
# after `swift test` (a release binary: the FCN-ResNets take over a minute each in a debug
# build). Prints one line per model and exits non-zero if any model fails.
set -uo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product fcngc >&2 || exit 1
bin=.build/release/fcngc
failed=0
for spec in Models/*.yaml; do
    start=$(date +%s)
    if out=$("$bin" verify "$spec" --init random:1 --input 64x64 --input 37x51 --quiet 2>&1); then
        echo "verify $spec: $(echo "$out" | tail -1) ($(( $(date +%s) - start )) s)"
    else
        echo "$out" | tail -40
        echo "verify $spec: FAILED"
        failed=$((failed + 1))
    fi
done
[ "$failed" -eq 0 ]
