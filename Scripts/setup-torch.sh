#!/usr/bin/env bash
# Makes .venv-torch/ (ignored by git): PyTorch (CPU), torchvision, safetensors and numpy, for
# converting .pth checkpoints to safetensors (Scripts/pth-to-safetensors.py) and for the
# torchvision cross-check (Scripts/torchvision-reference.py, Scripts/check-torchvision.sh).
# Not part of Scripts/setup.sh: neither fcngc's build nor `swift test` needs torch.
#
# torch: the 2.13 series ($TORCH_SPEC to change it). Pinned, because pip prefers the newest
# release: unpinned it takes PyPI's newest torch, a CUDA build with 3+ GB of nvidia packages.
# Where pip.conf names a wheel directory holding torch 2.13.0+cpu, pip takes that CPU wheel
# (a local "+cpu" version sorts above PyPI's plain 2.13.0). torchvision must be the release built for that torch
# (torch 2.N pairs with torchvision 0.(N+15): 2.13 -> 0.28); it is installed with --no-deps so
# that pip does not replace the CPU torch with another build, and its own light dependencies
# (pillow) are installed beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-torch
if [ ! -x "$venv/bin/python" ]; then
    echo "setup-torch: creating $venv"
    python3 -m venv "$venv"
fi
pip=("$venv/bin/pip" install -q --disable-pip-version-check)
"${pip[@]}" safetensors numpy pillow

if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    echo "setup-torch: installing torch (CPU)"
    "${pip[@]}" --only-binary :all: "${TORCH_SPEC:-torch==2.13.*}"
fi
torch_version=$("$venv/bin/python" -c "import torch; print(torch.__version__.split('+')[0])")
torch_minor=$(echo "$torch_version" | cut -d. -f2)
vision_series="0.$((torch_minor + 15))"
if ! "$venv/bin/pip" show -q torchvision 2>/dev/null; then
    echo "setup-torch: installing torchvision $vision_series.* (for torch $torch_version)"
    "${pip[@]}" --no-deps "torchvision==$vision_series.*"
fi
# PyPI's torchvision is built for CUDA torch: beside a CPU torch its C++ detection ops do not
# load and it needs Scripts/torchvision_import.py to import (segmentation models do not use them).
PYTHONPATH=Scripts "$venv/bin/python" - <<'PY'
import torch, safetensors, numpy
from torchvision_import import import_torchvision
torchvision = import_torchvision()
print(f"setup-torch: torch {torch.__version__}, torchvision {torchvision.__version__}, "
      f"safetensors {safetensors.__version__}, numpy {numpy.__version__}")
PY
