#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer (its own scratch directory, .build-asan).
# Slow (about 15 minutes on 2 cores), so not part of CI; run it before a release or after
# touching a reader. Extra arguments go to `swift test` (e.g. --filter SafetensorsTests).
set -euo pipefail
cd "$(dirname "$0")/.."
ASAN_OPTIONS=detect_leaks=0 swift test --scratch-path .build-asan --sanitize address "$@"
