#!/usr/bin/env python3
"""Writes torchvision's fcn_resnet50 / fcn_resnet101 as ONE flat fcngc spec (every layer written
out under torchvision's full name, no blocks, no backbone file), to stdout:

    python3 Scripts/flat-fcn-resnet-spec.py 50 > /tmp/flat50.yaml

A second, independent writing of Models/fcn_resnet50.yaml (which uses the bottleneck block
of Models/backbones/resnet50.yaml): both must compile to the same plan and give torchvision's
outputs (Scripts/check-torchvision.sh --flat). Dilation as replace_stride_with_dilation
[False, True, True] sets it: a dilated layer's first block keeps the previous dilation.
"""
import sys
depth = int(sys.argv[1])
blocks = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3]}[depth]
L = []
def conv(name, out, k, s=1, p=0, d=1, bias=False, frm=None):
    f = f", from: {frm}" if frm else ""
    L.append(f"  - {{conv: {name}{f}, out: {out}, kernel: {k}, stride: {s}, pad: {p}, dilation: {d}, bias: {'true' if bias else 'false'}}}")
def bn(name): L.append(f"  - {{batchnorm: {name}}}")
def relu(name, frm=None): L.append(f"  - {{relu: {name}" + (f", from: {frm}" if frm else "") + "}")
b = "backbone."
conv(b+"conv1", 64, 7, 2, 3); bn(b+"bn1"); relu(b+"relu")
L.append(f"  - {{pool: {b}maxpool, kernel: 3, stride: 2, pad: 1, rounding: floor}}")
prev = b+"maxpool"
widths = [64, 128, 256, 512]
strides = [1, 2, 1, 1]
# replace_stride_with_dilation [False, True, True]
dil = 1
for li in range(4):
    prev_dil = dil
    stride = strides[li]
    if li >= 2:
        dil *= 2
    w = widths[li]
    for i in range(blocks[li]):
        n = f"{b}layer{li+1}.{i}."
        s = stride if i == 0 else 1
        d = prev_dil if i == 0 else dil
        conv(n+"conv1", w, 1, frm=prev); bn(n+"bn1"); relu(n+"relu1")
        conv(n+"conv2", w, 3, s, d, d); bn(n+"bn2"); relu(n+"relu2")
        conv(n+"conv3", w*4, 1); bn(n+"bn3")
        if i == 0:
            conv(n+"downsample.0", w*4, 1, s, frm=prev); bn(n+"downsample.1")
            short = n+"downsample.1"
        else:
            short = prev
        L.append(f"  - {{sum: {n}add, from: [{n}bn3, {short}]}}")
        relu(n+"relu")
        prev = n+"relu"
    if li == 2: layer3 = prev
def head(p, frm, cin):
    conv(p+".0", cin//4, 3, 1, 1, frm=frm); bn(p+".1"); relu(p+".2"); L.append(f"  - {{dropout: {p}.3, ratio: 0.1}}")
    conv(p+".4", 21, 1, bias=True)
head("classifier", prev, 2048)
L.append("  - {resize: out, like: input}")
head("aux_classifier", layer3, 1024)
L.append("  - {resize: aux, like: input}")
VOC = ("background, aeroplane, bicycle, bird, boat, bottle, bus, car, cat, chair, cow, diningtable, dog, "
       "horse, motorbike, person, pottedplant, sheep, sofa, train, tvmonitor")
print(f"name: flat_fcn_resnet{depth}")
print("input: {channels: 3, order: rgb, scale: 0.00392156862745098, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}")
print(f"classes: [{VOC}]")
print("graph:")
print("\n".join(L))
print("outputs: [out, aux]")
