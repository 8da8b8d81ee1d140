"""`import torchvision` that also works where PyPI's torchvision wheel (built for CUDA torch)
sits beside a CPU-only torch, as Scripts/setup-torch.sh installs them here.

Its C++ extension (detection ops: nms, roi_align, ...) then cannot load (it links
libtorch_cuda), and torchvision 0.28 fails at import, registering a fake kernel for the missing
`torchvision::nms` (and `qnms`). No segmentation model uses those ops: declaring their schemas
lets torchvision import, and everything the FCN models use is plain torch.
"""
import sys

import torch

_keep = []


def import_torchvision():
    try:
        import torchvision
        return torchvision
    except RuntimeError as e:
        if "torchvision::nms" not in str(e):
            raise
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]
    lib = torch.library.Library("torchvision", "DEF")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _keep.append(lib)
    import torchvision
    return torchvision
