// batchnorm: inference-time batch normalisation, per channel c:
//   y = (x - running_mean[c]) / sqrt(running_var[c] + eps) * weight[c] + bias[c]
// (PyTorch's BatchNorm2d in eval mode; eps defaults to 1e-5). Tensors `<layer>.weight`,
// `.bias`, `.running_mean`, `.running_var`, each [C]; PyTorch's `num_batches_tracked` is not
// read. Element-wise for coordinates and shapes. The fold-batchnorm plan pass folds it into
// the convolution before it where it can; otherwise it runs as a per-channel affine step.
// `--init random` keeps the variance positive (WeightInit).

import FCNPlan
import FCNSpec

enum BatchNormOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.batchnorm)
        d.keys = [.double("eps", \.eps, range: 0..<1)]
        d.weights = { n, inC in WeightRole.allCases.map { WeightRef(layer: n.name, $0, shape: [inC]) } }
        d.lower = { n in
            var a = StepAttributes()
            a.eps = n.params.eps
            return (.batchnorm, a)
        }
        return d
    }()
}

// concat: the inputs' channels one after another (Caffe's Concat on axis 1, ONNX Concat axis 1),
// all of one spatial size. Its inputs must line up (equal coordinate maps, as a sum's), which is
// what lets crop offsets be derived through it (Caffe's coord_map cannot).
enum ConcatOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.concat)
        d.inputs = .many(min: 2)
        d.channels = { n, inputs, _ in n.channels = inputs.reduce(0) { $0 + $1.channels } }
        d.lower = { _ in (.concat, StepAttributes()) }
        return d
    }()
}
