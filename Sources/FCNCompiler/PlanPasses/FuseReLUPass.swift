// A ReLU applied as the step before it writes its output: a ReLU whose input is a step that can
// apply one (StepKind.canFuseReLU: a convolution, as each output tile is written, still in
// cache; a sum, a residual block's relu(x + f(x)); a batch norm) and is read by nothing else
// becomes that step's `relu` attribute. Other ReLUs stay (and run in place).

import FCNPlan

public enum FuseReLUPass {
    public static let name = "fuse-relu"

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let r = plan.steps[i]
            guard r.kind == .relu, let c = plan.stepIndex(producing: r.inputs[0].value) else { i += 1; continue }
            let producer = plan.steps[c]
            guard producer.kind.canFuseReLU, r.inputs[0].window == nil, !producer.attributes.fusedReLU else {
                plan.decide(name, [producer.name, r.name], fused: false, "'\(r.name)' follows a \(producer.kind.rawValue), which cannot apply a ReLU as it writes")
                i += 1; continue
            }
            let readers = plan.readers(of: producer.value)
            guard readers.count == 1, !plan.isOutput(producer.value) else {
                let names = readers.map { plan.steps[$0].name }.joined(separator: ", ")
                plan.decide(name, [producer.name, r.name], fused: false, "'\(producer.name)' has \(readers.count) consumers (\(names))")
                i += 1; continue
            }
            plan.steps[c].attributes.relu = true
            plan.steps[c].sources += r.sources
            plan.decide(name, [producer.name, r.name], fused: true, "ReLU applied as '\(producer.name)' writes its output")
            plan.bypass(i)
        }
    }
}
