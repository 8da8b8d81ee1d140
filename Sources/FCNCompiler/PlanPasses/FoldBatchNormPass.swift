// A batch norm right after a convolution is folded into it (the standard inference rewrite):
// with s = weight / sqrt(running_var + eps), the convolution's weights become W[o] * s[o] and its
// bias (b[o] - running_mean[o]) * s[o] + bias_bn[o]. The plan records the fold on the conv step
// (`batchNorm: {layer, eps}`, the batch norm's four tensors added to its weights); the runtime
// does the arithmetic once, when it prepares the weights. It applies when the batch norm reads
// the whole output of a convolution that nothing else reads and that has no ReLU fused yet
// (this pass runs before fuse-relu). Any other batch norm stays a per-channel affine step.

import FCNPlan

public enum FoldBatchNormPass {
    public static let name = "fold-batchnorm"

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let bn = plan.steps[i]
            guard bn.kind == .batchnorm, let eps = bn.attributes.eps else { i += 1; continue }
            guard let c = plan.stepIndex(producing: bn.inputs[0].value), plan.steps[c].kind == .conv else {
                plan.decide(name, [bn.name], fused: false, "its input is not a convolution: runs as a per-channel affine step")
                i += 1; continue
            }
            let conv = plan.steps[c], readers = plan.readers(of: conv.value)
            guard readers.count == 1, !plan.isOutput(conv.value), bn.inputs[0].window == nil,
                  conv.attributes.batchNorm == nil, !conv.attributes.fusedReLU else {
                plan.decide(name, [conv.name, bn.name], fused: false,
                            readers.count == 1 ? "'\(conv.name)' already has a ReLU or a batch norm applied" : "'\(conv.name)' has \(readers.count) consumers")
                i += 1; continue
            }
            plan.steps[c].attributes.batchNorm = FoldedBatchNorm(layer: bn.weights.first?.layer ?? bn.name, eps: eps)
            plan.steps[c].weights += bn.weights
            plan.steps[c].sources += bn.sources
            plan.decide(name, [conv.name, bn.name], fused: true, "folded into '\(conv.name)''s weights and bias when they are loaded")
            plan.bypass(i)
        }
    }
}
