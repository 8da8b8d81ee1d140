#!/usr/bin/env python3
"""torchvision's FCN-ResNet with random (but not trivial) weights, one input, and its outputs:
the reference that fcngc's Models/fcn_resnet50.yaml and fcn_resnet101.yaml are checked against.

    .venv-torch/bin/python Scripts/torchvision-reference.py --model fcn_resnet50 --size 97x131 --seed 1 --out DIR

Writes into DIR:
  state.safetensors  save_file(model.state_dict()), exactly (torchvision's keys, num_batches_tracked
                     int64 counters included): what a user converting torchvision's weights has
  x.npy              the input, float32 [1, 3, H, W], already normalised (fcngc run --tensor)
  image.png          with --image: a random RGB image; x.npy is then that image normalised as
                     torchvision's weights expect ((pixel / 255 - mean) / std, mean (0.485, 0.456,
                     0.406), std (0.229, 0.224, 0.225)), to check a spec's `input:` (fcngc run --image)
  out.npy, aux.npy   the model's two outputs, float32 [1, 21, H, W]

The model is built with weights=None, weights_backbone=None, aux_loss=True. So that batch
normalisation is not the identity, its running statistics are first measured (train mode,
cumulative average) on random inputs, then every BN's weight, bias, mean and variance is
perturbed at random; the model then runs in eval mode. Deterministic for a given seed.
"""
import argparse
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

from torchvision_import import import_torchvision

torchvision = import_torchvision()


def build(name, seed):
    torch.manual_seed(seed)
    make = {"fcn_resnet50": torchvision.models.segmentation.fcn_resnet50,
            "fcn_resnet101": torchvision.models.segmentation.fcn_resnet101}[name]
    model = make(weights=None, weights_backbone=None, aux_loss=True, num_classes=21)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    # Realistic statistics: measured on random inputs (momentum None = cumulative average).
    for m in bns:
        m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(2, 3, 64, 64))
    # Then perturbed, so that no BN is an identity or exactly standardising.
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            m.weight.copy_(torch.empty(c).uniform_(0.5, 1.5))
            m.bias.copy_(torch.randn(c) * 0.1)
            m.running_mean.add_(torch.randn(c) * 0.1 * m.running_var.sqrt())
            m.running_var.mul_(torch.empty(c).uniform_(0.7, 1.3))
    model.eval()
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, choices=["fcn_resnet50", "fcn_resnet101"])
    ap.add_argument("--size", required=True, help="HxW of the input, e.g. 97x131")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="directory to write (made if missing)")
    ap.add_argument("--image", action="store_true", help="the input is a random RGB image (image.png), normalised")
    args = ap.parse_args()
    try:
        h, w = (int(v) for v in args.size.lower().split("x"))
        assert h > 0 and w > 0
    except (ValueError, AssertionError):
        sys.exit(f"torchvision-reference: error: --size takes HxW (e.g. 97x131), not '{args.size}'")
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    model = build(args.model, args.seed)
    gen = torch.Generator().manual_seed(args.seed + 1)
    os.makedirs(args.out, exist_ok=True)
    if args.image:
        from PIL import Image
        pixels = torch.randint(0, 256, (h, w, 3), generator=gen, dtype=torch.uint8)
        Image.fromarray(pixels.numpy(), "RGB").save(os.path.join(args.out, "image.png"))
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        x = (pixels.permute(2, 0, 1).unsqueeze(0).float() / 255 - mean) / std
    else:
        x = torch.randn(1, 3, h, w, generator=gen)
    with torch.no_grad():
        result = model(x)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(args.out, "state.safetensors"))
    np.save(os.path.join(args.out, "x.npy"), x.numpy().astype(np.float32))
    for key in ("out", "aux"):
        np.save(os.path.join(args.out, f"{key}.npy"), result[key].numpy().astype(np.float32))
    params = sum(p.numel() for p in model.parameters())
    print(f"{args.out}: {args.model} (torch {torch.__version__}, torchvision {torchvision.__version__}), "
          f"{params:,} parameters, {len(state)} state_dict tensors, input 1x3x{h}x{w}, "
          f"max |out| {result['out'].abs().max().item():.4g}, max |aux| {result['aux'].abs().max().item():.4g}")


if __name__ == "__main__":
    main()
