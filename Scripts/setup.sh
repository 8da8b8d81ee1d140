#!/usr/bin/env bash
# Sets up fcngc on a fresh Debian machine: the C libraries it links (from Debian),
# Graphviz for `--emit dot` pictures, a Python venv with ONNX Runtime for the ONNX
# cross-check, then a debug build (with tests) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libyaml-dev libopenblas-dev libpng-dev libjpeg62-turbo-dev graphviz pkg-config protobuf-compiler)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# The ONNX cross-check (onnx, onnxruntime, numpy from PyPI) lives in a virtual environment
# the project owns: .venv/ (ignored by git).
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
    echo "setup: creating .venv for the ONNX cross-check"
    if ! python3 -m venv .venv 2>/dev/null; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-venv
        python3 -m venv .venv
    fi
    .venv/bin/pip install -q --disable-pip-version-check -r Scripts/requirements-onnx.txt
fi

echo "setup: building (debug, with tests)"
swift build --build-tests
echo "setup: building (release)"
swift build -c release --product fcngc
echo "setup: done. fcngc is at $(swift build -c release --show-bin-path)/fcngc"
