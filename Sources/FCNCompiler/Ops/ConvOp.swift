// conv: Caffe's Convolution. Weights (C_out, C_in/g, kh, kw) and an optional bias; `relu: NAME`
// adds the ReLU after it. Output floor((in + 2p - k_ext)/s) + 1; MACs H_out*W_out*C_out*(C_in/g)*kh*kw.
// Lowers to a conv step (the plan fuses a following ReLU and folds constant input scales).

import FCNPlan
import FCNSpec

enum ConvOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.conv)
        d.keys = [.int("out", \.out, min: 1, required: "the number of output channels"),
                  .pair("kernel", \.kernel, min: 1, required: "the kernel size")] + spatialKeys +
                 [.int("group", \.group, min: 1), .bool("bias", \.bias), .followingLayer("relu", kind: .relu)]
        d.coord = .convLike
        d.channels = { n, inputs, diagnostics in
            n.channels = n.params.out
            checkGroups(n, inputs[0], diagnostics)
        }
        d.outputSize = { n, axis, size, _ in
            OutputSize.conv(size, kernel: n.params.kernel[axis], stride: n.params.stride[axis], pad: n.params.pad[axis], dilation: n.params.dilation[axis])
        }
        d.weights = { n, inC in
            let p = n.params
            return [WeightRef(layer: n.name, .weight, shape: [p.out, inC / p.group, p.kernel.h, p.kernel.w])]
                + (p.bias ? [WeightRef(layer: n.name, .bias, shape: [p.out])] : [])
        }
        d.macs = { n, input, output in output.h * output.w * output.c * (input.c / n.params.group) * n.params.kernel.h * n.params.kernel.w }
        d.lower = { n in
            var a = StepAttributes()
            a.geometry = n.params.geometry
            a.group = n.params.group
            return (.conv, a)
        }
        return d
    }()

    /// Keys conv and deconv share (kernel is listed by each: conv requires it).
    static let spatialKeys: [ParamKey] = [.pair("stride", \.stride, min: 1), .pair("pad", \.pad, min: 0), .pair("dilation", \.dilation, min: 1)]

    /// A group count must divide both sides of a convolution.
    static func checkGroups(_ n: Node, _ input: Node, _ diagnostics: Diagnostics) {
        let grp = n.params.group
        if input.channels % grp != 0 || n.channels % grp != 0 {
            diagnostics.error(.groupMismatch,
                "'\(n.name)' has \(grp) groups, which must divide its \(input.channels) input and \(n.channels) output channels",
                at: n.at("group"), notes: [.init("input comes from '\(input.name)'", at: input.location)])
        }
    }
}
