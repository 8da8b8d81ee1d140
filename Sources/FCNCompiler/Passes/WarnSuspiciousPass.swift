// Warnings for specs that are legal but probably not what was meant (each op's definition
// says what is suspicious for it):
//  - a deconvolution or pooling whose kernel is smaller than its stride: some output pixels
//    (deconv) or input pixels (pool) are never touched, leaving a grid of holes;
//  - a learned upsampler initialised at random: FCN's upsamplers start bilinear (and the
//    reference keeps them fixed), random ones rarely train into anything useful;
//  - a dropout ratio of 0.9 or more.

import FCNPlan
import FCNSpec

public struct WarnSuspiciousPass {
    public let diagnostics: Diagnostics
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public func run(_ g: Graph) {
        for n in g.nodes { n.op.definition.warnings(n, diagnostics) }
    }
}
