#!/usr/bin/env bash
# Makes .venv-torch/ (ignored by git): PyTorch (CPU), torchvision, safetensors and numpy, for
# converting .pth checkpoints to safetensors (Scripts/pth-to-safetensors.py) and for the
# torchvision cross-check (Scripts/torchvision-reference.py, Scripts/check-torchvision.sh).
# Not part of Scripts/setup.sh: neither fcngc's build nor `swift test` needs torch.
#
# torch is whatever pip finds first (on this machine a CPU wheel in the local wheel directory
# named by pip.conf; elsewhere PyPI's). torchvision must be the release built for that torch
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

if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    echo "setup-torch: installing torch (CPU)"
    "${pip[@]}" torch
fi
torch_version=$("$venv/bin/python" -c "import torch; print(torch.__version__.split('+')[0])")
torch_minor=$(echo "$torch_version" | cut -d. -f2)
vision_series="0.$((torch_minor + 15))"
if ! "$venv/bin/python" -c "import torchvision" 2>/dev/null; then
    echo "setup-torch: installing torchvision $vision_series.* (for torch $torch_version)"
    "${pip[@]}" --no-deps "torchvision==$vision_series.*"
fi
"${pip[@]}" safetensors numpy pillow
"$venv/bin/python" - <<'PY'
import warnings
warnings.filterwarnings("ignore")
import torch, torchvision, safetensors, numpy
print(f"setup-torch: torch {torch.__version__}, torchvision {torchvision.__version__}, "
      f"safetensors {safetensors.__version__}, numpy {numpy.__version__}")
PY
