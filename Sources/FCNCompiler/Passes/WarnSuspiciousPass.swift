// Warnings for specs that are legal but probably not what was meant:
//  - a deconvolution or pooling whose kernel is smaller than its stride: some output pixels
//    (deconv) or input pixels (pool) are never touched, leaving a grid of holes;
//  - a learned upsampler initialised at random: FCN's upsamplers start bilinear (and the
//    reference keeps them fixed), random ones rarely train into anything useful;
//  - a dropout ratio of 0.9 or more.

import FCNSpec

public struct WarnSuspiciousPass {
    public let diagnostics: Diagnostics
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public func run(_ g: Graph) {
        for n in g.nodes {
            let p = n.params
            switch n.op {
            case .deconv, .pool:
                for axis in 0..<2 where p.kernelExtent(axis) < p.stride[axis] {
                    let what = n.op == .deconv ? "output pixels no input reaches" : "input pixels no window reads"
                    diagnostics.warning(.suspiciousValue,
                        "\(n.op.rawValue) '\(n.name)' has kernel \(p.kernel[axis]) but stride \(p.stride[axis]): there are \(what)",
                        at: n.at("kernel"), fix: n.op == .deconv ? "use a kernel of at least the stride (FCN uses 2*stride)" : nil)
                    break
                }
                if n.op == .deconv, p.upsampler == .learned, p.initializer == .random {
                    diagnostics.warning(.learnedUpsampler,
                        "learned upsampler '\(n.name)' starts from random weights; FCN's upsamplers start bilinear",
                        at: n.at("init"), fix: "write 'init: bilinear'")
                }
            case .dropout where p.ratio >= 0.9:
                diagnostics.warning(.suspiciousValue, "dropout '\(n.name)' drops \(Int(p.ratio * 100))% during training", at: n.location)
            default:
                break
            }
        }
    }
}
