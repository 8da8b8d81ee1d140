// A fixed bilinear deconvolution has weights only on the channel diagonal (class i feeds
// only class i), so C_out x C_in kernels of which all but C are zero. It becomes a
// per-channel bilinear upsampling step: the same arithmetic on the nonzero weights only
// (C times fewer MACs), with weights computed from the kernel size, not read from a file.

import FCNPlan

public enum BilinearUpsamplePass {
    public static let name = "bilinear-upsample"

    public static func run(_ plan: inout Plan) {
        for i in plan.steps.indices where plan.steps[i].kind == .deconv {
            let s = plan.steps[i]
            guard s.attributes.upsampler == .fixedBilinear, let g = s.attributes.geometry else {
                plan.decide(name, [s.name], fused: false, "weights are learned, not bilinear")
                continue
            }
            guard g.dilation == [1, 1] else {
                plan.decide(name, [s.name], fused: false, "dilated deconvolution stays a general deconvolution")
                continue
            }
            let dense = s.macs
            plan.steps[i].kind = .upsample
            plan.steps[i].macs = macs(plan.steps[i])
            plan.decide(name, [s.name], fused: true,
                        "fixed bilinear weights on the diagonal: per-channel upsampling, \(Format.short(dense)) -> \(Format.short(plan.steps[i].macs)) MACs")
        }
    }

    /// Per-channel transposed convolution: each input pixel scatters a kh x kw kernel into its own channel.
    /// With an output window, each output pixel gathers ceil(k/s) taps per axis.
    static func macs(_ s: Step) -> Int {
        guard let g = s.attributes.geometry else { return 0 }
        let k = g.kernel, st = g.stride
        if s.outputWindow != nil {
            let taps = ((k[0] + st[0] - 1) / st[0]) * ((k[1] + st[1] - 1) / st[1])
            return s.shape[0] * s.shape[1] * s.shape[2] * taps
        }
        let inp = s.inputs[0].window.map { [s.inputs[0].shape[0], $0.h, $0.w] } ?? s.inputs[0].shape
        return inp[0] * inp[1] * inp[2] * k[0] * k[1]
    }
}
