// Dropout is the identity at inference: remove every dropout step and let its readers
// read its input. Its name moves to the step that produced its input, so the dump still
// shows where `drop6` went ("fc6+relu6+drop6").

import FCNPlan

public enum DropDropoutPass {
    public static let name = "drop-dropout"

    public static func run(_ plan: inout Plan) {
        while let i = plan.steps.firstIndex(where: { $0.kind == .dropout }) {
            let step = plan.steps[i]
            if let p = plan.stepIndex(producing: step.inputs[0].value) { plan.steps[p].sources += step.sources }
            plan.bypass(i)
            plan.decide(name, [step.name], fused: true, "dropout is the identity at inference: removed")
        }
    }
}
