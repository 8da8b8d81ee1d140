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
                     0.406), std (0.229, 0.224, 0.225); mmseg's: mean (123.675, 116.28, 103.53),
                     std (58.395, 57.12, 57.375) on 0..255), to check a spec's `input:` (fcngc run --image)
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


class ConvModule(torch.nn.Sequential):
    """mmcv's ConvModule as mmseg's FCNHead builds it: conv (no bias), bn, activate."""
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = torch.nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(cout)
        self.activate = torch.nn.ReLU()


class MMSegFCNHead(torch.nn.Module):
    """mmseg's decode_heads/fcn_head.py FCNHead (module names as in its state_dict)."""
    def __init__(self, cin, channels, num_convs, concat_input, classes):
        super().__init__()
        self.convs = torch.nn.Sequential(*[ConvModule(cin if i == 0 else channels, channels) for i in range(num_convs)])
        self.conv_cat = ConvModule(cin + channels, channels) if concat_input else None
        self.dropout = torch.nn.Dropout2d(0.1)
        self.conv_seg = torch.nn.Conv2d(channels, classes, 1)

    def forward(self, x):
        out = self.convs(x)
        if self.conv_cat is not None:
            out = self.conv_cat(torch.cat([x, out], dim=1))
        return self.conv_seg(self.dropout(out))


class MMSegFCNR50D8(torch.nn.Module):
    """mmseg's fcn_r50-d8 written in plain torch (mmseg itself is not installed here):
    ResNetV1c-50 (3-conv stem `backbone.stem.0..8`; torchvision's bottlenecks and dilation,
    which equal mmseg's contract_dilation=True), decode_head and auxiliary_head FCNHeads, both
    resized to the input. A check of Models/fcn_r50-d8.yaml against this reading of mmseg."""
    def __init__(self, classes=19):
        super().__init__()
        r = torchvision.models.resnet50(weights=None, replace_stride_with_dilation=[False, True, True])
        self.backbone = torch.nn.Module()
        bn = torch.nn.BatchNorm2d
        self.backbone.stem = torch.nn.Sequential(
            torch.nn.Conv2d(3, 32, 3, 2, 1, bias=False), bn(32), torch.nn.ReLU(),
            torch.nn.Conv2d(32, 32, 3, 1, 1, bias=False), bn(32), torch.nn.ReLU(),
            torch.nn.Conv2d(32, 64, 3, 1, 1, bias=False), bn(64), torch.nn.ReLU())
        self.backbone.maxpool = r.maxpool
        for i in range(1, 5):
            setattr(self.backbone, f"layer{i}", getattr(r, f"layer{i}"))
        self.decode_head = MMSegFCNHead(2048, 512, 2, True, classes)
        self.auxiliary_head = MMSegFCNHead(1024, 256, 1, False, classes)

    def forward(self, x):
        b = self.backbone
        y = b.maxpool(b.stem(x))
        y = b.layer2(b.layer1(y))
        c3 = b.layer3(y)
        c4 = b.layer4(c3)
        size = x.shape[2:]
        up = lambda t: torch.nn.functional.interpolate(t, size=size, mode="bilinear", align_corners=False)
        return {"out": up(self.decode_head(c4)), "aux": up(self.auxiliary_head(c3))}


def build(name, seed):
    torch.manual_seed(seed)
    if name == "mmseg_fcn_r50_d8":
        model = MMSegFCNR50D8()
    else:
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
    ap.add_argument("--model", required=True, choices=["fcn_resnet50", "fcn_resnet101", "mmseg_fcn_r50_d8"],
                    help="torchvision's models, or mmseg's fcn_r50-d8 re-written in plain torch")
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
        if args.model.startswith("mmseg"):   # mmseg's data preprocessor, on 0..255 pixels
            scale, mean, std = 1.0, [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
        else:
            scale, mean, std = 1 / 255, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
        mean = torch.tensor(mean).view(1, 3, 1, 1)
        std = torch.tensor(std).view(1, 3, 1, 1)
        x = (pixels.permute(2, 0, 1).unsqueeze(0).float() * scale - mean) / std
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
