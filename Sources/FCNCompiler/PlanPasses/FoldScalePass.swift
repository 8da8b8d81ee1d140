// A constant scale read only by a convolution folds into that convolution's weights:
// conv(s * x) = (s * W) * x + b. The conv records `inputScale`, and the runtime multiplies
// its weights once, when they are loaded. (The at-once FCN-8s scales pool4 by 0.01 and
// pool3 by 0.0001 before score_pool4 / score_pool3.)

import FCNPlan

public enum FoldScalePass {
    public static let name = "fold-scale"

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let s = plan.steps[i]
            guard s.kind == .scale, let value = s.attributes.factor else { i += 1; continue }
            let readers = plan.readers(of: s.value)
            guard readers.count == 1 else {
                plan.decide(name, [s.name], fused: false, "'\(s.name)' has \(readers.count) consumers")
                i += 1; continue
            }
            let r = readers[0]
            guard plan.steps[r].kind == .conv, plan.steps[r].inputs[0].window == nil, !plan.isOutput(s.value) else {
                plan.decide(name, [s.name, plan.steps[r].name], fused: false,
                            "its consumer '\(plan.steps[r].name)' is a \(plan.steps[r].kind.rawValue), not a convolution")
                i += 1; continue
            }
            plan.steps[r].attributes.inputScale = (plan.steps[r].attributes.inputScale ?? 1) * value
            plan.steps[r].sources += s.sources
            plan.decide(name, [s.name, plan.steps[r].name], fused: true,
                        "'\(plan.steps[r].name)' multiplies its weights by \(value) when they are loaded")
            plan.bypass(i)
        }
    }
}
