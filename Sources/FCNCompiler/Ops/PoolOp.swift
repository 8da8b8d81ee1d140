// pool: max or average pooling. Rounding `ceil` is Caffe's (the last window may hang over the
// edge, but never starts in the right padding), `floor` PyTorch's default. Average divides by
// the window clipped to the padded input (Caffe). No weights, no MACs counted.

import FCNPlan
import FCNSpec

enum PoolOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.pool)
        d.keys = [.choice("method", \.method), .pair("kernel", \.kernel, min: 1, required: "the window size"),
                  .pair("stride", \.stride, min: 1), .pair("pad", \.pad, min: 0), .choice("rounding", \.rounding)]
        d.coord = .convLike
        d.outputSize = { n, axis, size, _ in
            OutputSize.pool(size, kernel: n.params.kernel[axis], stride: n.params.stride[axis], pad: n.params.pad[axis], rounding: n.params.rounding)
        }
        d.warnings = { n, diagnostics in warnHoles(n, diagnostics, what: "input pixels no window reads", fix: nil) }
        d.lower = { n in
            var a = StepAttributes()
            a.geometry = n.params.geometry
            a.method = n.params.method
            a.rounding = n.params.rounding
            return (.pool, a)
        }
        return d
    }()

    /// A window smaller than its stride leaves a grid of pixels untouched.
    static func warnHoles(_ n: Node, _ diagnostics: Diagnostics, what: String, fix: String?) {
        let p = n.params
        for axis in 0..<2 where p.kernelExtent(axis) < p.stride[axis] {
            diagnostics.warning(.suspiciousValue,
                "\(n.op.rawValue) '\(n.name)' has kernel \(p.kernel[axis]) but stride \(p.stride[axis]): there are \(what)",
                at: n.at("kernel"), fix: fix)
            break
        }
    }
}
