#!/usr/bin/env python3
"""Compares two score tensors: prints the max abs difference, the largest |score| of the
reference, and their ratio; exits 1 if the shapes differ or the ratio exceeds --tolerance.

    python3 Scripts/compare-npy.py REFERENCE.npy OTHER.npy [--tolerance 1e-4] [--label TEXT]
"""
import argparse
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reference")
    ap.add_argument("other")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="largest allowed max|diff| / max|reference|")
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    ref, got = np.load(args.reference), np.load(args.other)
    label = args.label or args.other
    if ref.shape != got.shape:
        print(f"{label}: FAIL shape {list(got.shape)}, reference {list(ref.shape)}")
        return 1
    diff = float(np.abs(ref.astype(np.float64) - got.astype(np.float64)).max())
    scale = float(np.abs(ref).max())
    rel = diff / scale if scale > 0 else diff
    same = float((ref.argmax(axis=1) == got.argmax(axis=1)).mean())
    verdict = "ok" if rel <= args.tolerance else "FAIL"
    print(f"{label}: {verdict} shape {list(ref.shape)}: max |diff| {diff:.3g}, max |score| {scale:.4g}, "
          f"relative {rel:.2e} (tolerance {args.tolerance:g}); argmax agrees at {same * 100:.3f}% of pixels")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
