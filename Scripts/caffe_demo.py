#!/usr/bin/env python3
"""The small Caffe net of Docs/Importing.md, and Caffe's forward pass of it in numpy.

  Scripts/caffe_demo.py make DIR    writes DIR/tiny-fcn16s.prototxt and DIR/tiny-fcn16s.caffemodel
                                    (random weights; the upsamplers bilinear on the class diagonal,
                                    as the paper's surgery.interp makes them)
  Scripts/caffe_demo.py check DIR   runs the net as Caffe defines it, in numpy, from the caffemodel's
                                    blobs on DIR/x.npy, and compares with fcngc's DIR/scores.npy

Needs numpy and protobuf (the project's .venv has both) and protoc (Scripts/setup.sh installs it):
the Python protobuf module is generated into a temporary directory from
Sources/FCNCaffe/Proto/caffe-subset.proto, the schema fcngc itself reads.
"""
import os, subprocess, sys, tempfile
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def caffe_pb():
    out = tempfile.mkdtemp(prefix="caffe-pb-")
    subprocess.run(["protoc", "--python_out=" + out, "--proto_path=" + os.path.join(ROOT, "Sources/FCNCaffe/Proto"),
                    "caffe-subset.proto"], check=True)
    sys.path.insert(0, out)
    import caffe_subset_pb2
    return caffe_subset_pb2
proto = '''name: "tiny-fcn16s"
layer { name: "input" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 64 dim: 64 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 8 kernel_size: 3 pad: 20 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" convolution_param { num_output: 16 kernel_size: 3 pad: 1 } }
layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv3" type: "Convolution" bottom: "pool2" top: "conv3" convolution_param { num_output: 16 kernel_size: 3 } }
layer { name: "relu3" type: "ReLU" bottom: "conv3" top: "conv3" }
layer { name: "score_fr" type: "Convolution" bottom: "conv3" top: "score_fr" convolution_param { num_output: 5 kernel_size: 1 } }
layer { name: "upscore2" type: "Deconvolution" bottom: "score_fr" top: "upscore2" param { lr_mult: 0 }
        convolution_param { num_output: 5 bias_term: false kernel_size: 4 stride: 2 } }
layer { name: "score_pool1" type: "Convolution" bottom: "pool1" top: "score_pool1" convolution_param { num_output: 5 kernel_size: 1 } }
layer { name: "score_pool1c" type: "Crop" bottom: "score_pool1" bottom: "upscore2" top: "score_pool1c" crop_param { axis: 2 offset: OFF1 } }
layer { name: "fuse_pool1" type: "Eltwise" bottom: "upscore2" bottom: "score_pool1c" top: "fuse_pool1" eltwise_param { operation: SUM } }
layer { name: "upscore2b" type: "Deconvolution" bottom: "fuse_pool1" top: "upscore2b" param { lr_mult: 0 }
        convolution_param { num_output: 5 bias_term: false kernel_size: 4 stride: 2 } }
layer { name: "score" type: "Crop" bottom: "upscore2b" bottom: "data" top: "score" crop_param { axis: 2 offset: OFF2 } }
'''


def bilinear(k, c):
    f = (k + 1) // 2
    cen = f - 1 if k % 2 == 1 else f - 0.5
    og = np.ogrid[:k, :k]
    filt = (1 - abs(og[0] - cen) / f) * (1 - abs(og[1] - cen) / f)
    w = np.zeros((c, c, k, k), np.float32)
    w[range(c), range(c)] = filt
    return w


def make(d):
    pb = caffe_pb()
    rng = np.random.default_rng(0)
    shapes = {"conv1": [(8, 3, 3, 3), (8,)], "conv2": [(16, 8, 3, 3), (16,)], "conv3": [(16, 16, 3, 3), (16,)],
              "score_fr": [(5, 16, 1, 1), (5,)], "score_pool1": [(5, 8, 1, 1), (5,)]}
    net = pb.NetParameter()
    net.name = "tiny-fcn16s"
    for name, ss in shapes.items():
        layer = net.layer.add()
        layer.name = name
        for s in ss:
            b = layer.blobs.add()
            b.shape.dim.extend(s)
            b.data.extend((rng.standard_normal(s) * 0.3).astype(np.float32).ravel())
    for name in ["upscore2", "upscore2b"]:
        layer = net.layer.add()
        layer.name = name
        b = layer.blobs.add()
        b.shape.dim.extend((5, 5, 4, 4))
        b.data.extend(bilinear(4, 5).ravel())
    open(os.path.join(d, "tiny-fcn16s.caffemodel"), "wb").write(net.SerializeToString())
    open(os.path.join(d, "tiny-fcn16s.prototxt"), "w").write(proto.replace("OFF1", "1").replace("OFF2", "18"))
    np.save(os.path.join(d, "x.npy"), (np.random.default_rng(1).standard_normal((1, 3, 64, 64)) * 50).astype(np.float32))


# Caffe's layers, for one image (C, H, W).
def conv(x, w, b, pad):
    co, ci, k, _ = w.shape; x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    H, W = x.shape[1] - k + 1, x.shape[2] - k + 1; y = np.zeros((co, H, W), np.float64)
    for i in range(k):
        for j in range(k): y += np.einsum('oc,chw->ohw', w[:, :, i, j], x[:, i:i + H, j:j + W])
    return y + b[:, None, None]


def pool(x):  # max, k2 s2, Caffe's ceil rounding
    C, H, W = x.shape; oh, ow = -(-(H - 2) // 2) + 1, -(-(W - 2) // 2) + 1
    y = np.full((C, oh, ow), -np.inf)
    for i in range(oh):
        for j in range(ow): y[:, i, j] = x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2].reshape(C, -1).max(1)
    return y


def deconv(x, w):  # stride 2, weights (Cin, Cout, k, k)
    C, H, W = x.shape
    k = w.shape[2]
    y = np.zeros((w.shape[1], 2 * (H - 1) + k, 2 * (W - 1) + k))
    for i in range(H):
        for j in range(W):
            y[:, 2 * i:2 * i + k, 2 * j:2 * j + k] += np.einsum("c,cokl->okl", x[:, i, j], w)
    return y


def check(d):
    pb = caffe_pb()
    net = pb.NetParameter()
    net.ParseFromString(open(os.path.join(d, "tiny-fcn16s.caffemodel"), "rb").read())
    B = {l.name: [np.array(b.data, np.float32).reshape(tuple(b.shape.dim)) for b in l.blobs] for l in net.layer}
    x = np.load(os.path.join(d, "x.npy"))[0].astype(np.float64)
    c1 = np.maximum(conv(x, *B["conv1"], 20), 0); p1 = pool(c1)
    c2 = np.maximum(conv(p1, *B["conv2"], 1), 0); p2 = pool(c2)
    c3 = np.maximum(conv(p2, *B["conv3"], 0), 0)
    up2 = deconv(conv(c3, *B["score_fr"], 0), B["upscore2"][0])
    sp1 = conv(p1, *B["score_pool1"], 0)[:, 1:1 + up2.shape[1], 1:1 + up2.shape[2]]  # offset 1, as written
    up = deconv(up2 + sp1, B["upscore2b"][0])
    score = up[:, 18:18 + 64, 18:18 + 64]  # offset 18, as written
    got = np.load(os.path.join(d, "scores.npy"))[0]
    print("caffe (numpy) vs fcngc: max|diff| %.3e, max|score| %.3e" % (abs(score - got).max(), abs(score).max()))
    print("same argmax labels: %.4f of pixels" % (score.argmax(0) == got.argmax(0)).mean())


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "check"):
        sys.exit(__doc__)
    (make if sys.argv[1] == "make" else check)(sys.argv[2])
