#!/usr/bin/env python3
"""Converts a PyTorch checkpoint (.pth) to safetensors, keys unchanged.

    .venv-torch/bin/python Scripts/pth-to-safetensors.py IN.pth OUT.safetensors

IN.pth may hold a state_dict (what torchvision's published weights are), a dict wrapping one
under "state_dict" or "model" (training checkpoints, mmsegmentation's), or a whole pickled
model (torch.save(model)). Every tensor is written under its own key, made contiguous and
detached; nothing is renamed, so `fcngc run SPEC --weights OUT.safetensors` finds torchvision's
`backbone.layer1.0.conv1.weight` under that name. `num_batches_tracked` counters are kept
(fcngc ignores them). Tensors that share storage are copied apart (safetensors forbids
shared tensors). Make the environment with Scripts/setup-torch.sh.
"""
import argparse
import re
import sys

import torch
from safetensors.torch import save_file


def state_dict_of(obj, path):
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            inner = obj.get(key)
            if isinstance(inner, torch.nn.Module):
                return inner.state_dict()
            if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                return inner
        tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        if tensors:
            others = sorted(str(k) for k, v in obj.items() if not isinstance(v, torch.Tensor))
            if others:
                print(f"pth-to-safetensors: {path}: leaving out {len(others)} non-tensor entries: {', '.join(others[:5])}"
                      + (" ..." if len(others) > 5 else ""), file=sys.stderr)
            return tensors
    sys.exit(f"pth-to-safetensors: {path}: error: holds a {type(obj).__name__}, not a state_dict or a model")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", help="checkpoint (.pth / .pt)")
    ap.add_argument("output", help="safetensors file to write")
    ap.add_argument("--full-pickle", action="store_true",
                    help="allow arbitrary pickled objects (a whole model saved with torch.save(model)); "
                         "runs code from the file: only for files you trust")
    args = ap.parse_args()
    if args.full_pickle:
        # Unpickling a torchvision model imports torchvision, which needs the CPU-torch shim.
        try:
            from torchvision_import import import_torchvision
            import_torchvision()
        except ImportError:
            pass
    try:
        obj = torch.load(args.input, map_location="cpu", weights_only=not args.full_pickle)
    except Exception as e:  # torch raises UnpicklingError, RuntimeError, OSError ...
        hint = "" if args.full_pickle else " (a whole pickled model needs --full-pickle)"
        first = re.sub(r"\x1b\[[0-9;]*m", "", str(e).splitlines()[0] if str(e) else "")
        sys.exit(f"pth-to-safetensors: {args.input}: error: cannot load: {e.__class__.__name__}: {first}{hint}")
    state = state_dict_of(obj, args.input)
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in state.items()}
    save_file(tensors, args.output)
    count = sum(v.numel() for k, v in tensors.items() if v.is_floating_point())
    print(f"{args.output}: {len(tensors)} tensors, {count:,} floating-point values")


if __name__ == "__main__":
    main()
