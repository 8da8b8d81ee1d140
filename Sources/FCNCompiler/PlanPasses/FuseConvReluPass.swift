// Convolution + bias + ReLU as one step: a ReLU whose input is a convolution read by
// nothing else becomes the convolution's `relu` attribute (applied as each output tile is
// written, while it is still in cache). Other ReLUs stay (and run in place).

import FCNPlan

public enum FuseConvReluPass {
    public static let name = "fuse-conv-relu"

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let r = plan.steps[i]
            guard r.kind == .relu, let c = plan.stepIndex(producing: r.inputs[0].value) else { i += 1; continue }
            let conv = plan.steps[c]
            guard conv.kind == .conv, r.inputs[0].window == nil else {
                plan.decide(name, [conv.name, r.name], fused: false, "'\(r.name)' follows a \(conv.kind.rawValue), not a convolution")
                i += 1; continue
            }
            let readers = plan.readers(of: conv.value)
            guard readers.count == 1, conv.value != plan.outputValue else {
                let names = readers.map { plan.steps[$0].name }.joined(separator: ", ")
                plan.decide(name, [conv.name, r.name], fused: false, "'\(conv.name)' has \(readers.count) consumers (\(names))")
                i += 1; continue
            }
            plan.steps[c].attributes.relu = true
            plan.steps[c].sources += r.sources
            plan.decide(name, [conv.name, r.name], fused: true, "ReLU applied as '\(conv.name)' writes its output")
            plan.bypass(i)
        }
    }
}
