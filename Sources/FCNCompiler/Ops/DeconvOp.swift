// deconv: Caffe's Deconvolution (a transposed convolution), FCN's upsampler. Kernel defaults to
// 2*stride, no bias. With `init: bilinear` and not `learn`, it is a fixed bilinear upsampler:
// out == in channels, one group, no tensor in the weights file (the plan turns it into a
// per-channel upsample step). Otherwise weights (C_in, C_out/g, kh, kw) come from the file.
// Output s*(in - 1) + k_ext - 2p; MACs H_in*W_in*C_in*(C_out/g)*kh*kw (the whole transposed conv).

import FCNPlan
import FCNSpec

enum DeconvOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.deconv)
        d.keys = [.int("out", \.out, min: 1), .pair("kernel", \.kernel, min: 1),
                  .pair("stride", \.stride, min: 1, required: "the upsampling factor"),
                  .pair("pad", \.pad, min: 0), .pair("dilation", \.dilation, min: 1),
                  .int("group", \.group, min: 1), .bool("bias", \.bias),
                  ParamKey(schema: KeySchema("init", .choice(UpsampleInit.allCases.map(\.rawValue)))) { p, v in
                      if case .word(let w) = v { p.initializer = UpsampleInit(rawValue: w) }
                  },
                  .bool("learn", \.learn)]
        d.defaults.bias = false
        d.finish = { p, layer in
            if layer.attributes["kernel"] == nil { p.kernel = Pair(2 * p.stride.h, 2 * p.stride.w) }
            let initializer = p.initializer ?? .bilinear
            p.initializer = initializer
            p.upsampler = (initializer == .bilinear && !p.learn) ? .fixedBilinear : .learned
        }
        d.coord = .deconvLike
        d.channels = { n, inputs, diagnostics in
            let inC = inputs[0].channels
            if n.params.out == 0 { n.params.out = inC }   // an upsampler keeps its input's channels
            n.channels = n.params.out
            ConvOp.checkGroups(n, inputs[0], diagnostics)
            if n.params.upsampler == .fixedBilinear, n.channels != inC || n.params.group != 1 {
                diagnostics.error(.badValue,
                    "fixed bilinear upsampler '\(n.name)' maps each channel to itself, so it needs out == in (\(inC)) and one group; found out \(n.channels), group \(n.params.group)",
                    at: n.at("out"), fix: "remove 'out' and 'group', or write 'learn: true' to use weights from a file")
            }
        }
        d.outputSize = { n, axis, size, _ in
            OutputSize.deconv(size, kernel: n.params.kernel[axis], stride: n.params.stride[axis], pad: n.params.pad[axis], dilation: n.params.dilation[axis])
        }
        d.weights = { n, inC in
            let p = n.params
            guard p.upsampler == .learned else { return [] }
            return [WeightRef(layer: n.name, .weight, shape: [inC, p.out / p.group, p.kernel.h, p.kernel.w])]
                + (p.bias ? [WeightRef(layer: n.name, .bias, shape: [p.out])] : [])
        }
        d.macs = { n, input, output in input.h * input.w * input.c * (output.c / n.params.group) * n.params.kernel.h * n.params.kernel.w }
        d.warnings = { n, diagnostics in
            PoolOp.warnHoles(n, diagnostics, what: "output pixels no input reaches", fix: "use a kernel of at least the stride (FCN uses 2*stride)")
            if n.params.upsampler == .learned, n.params.initializer == .random {
                diagnostics.warning(.learnedUpsampler, "learned upsampler '\(n.name)' starts from random weights; FCN's upsamplers start bilinear",
                                    at: n.at("init"), fix: "write 'init: bilinear'")
            }
        }
        d.lower = { n in
            var a = StepAttributes()
            a.geometry = n.params.geometry
            a.group = n.params.group
            a.upsampler = n.params.upsampler
            if n.params.upsampler == .learned { a.initializer = n.params.initializer }
            return (.deconv, a)
        }
        return d
    }()
}
