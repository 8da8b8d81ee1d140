// A crop never copies: its readers read the window of its input directly (crop + sum is
// one step). Kernels that take windowed inputs: sum, upsample, deconv, crop. A crop that
// is the network output, or that feeds another kind of step, stays a copy, with the reason.

import FCNPlan

public enum CropAsWindowPass {
    public static let name = "crop-as-window"
    static let windowReaders: Set<StepKind> = [.sum, .upsample, .deconv, .crop]

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let k = plan.steps[i]
            guard k.kind == .crop, let window = k.inputs[0].window else { i += 1; continue }
            if plan.isOutput(k.value) {
                plan.decide(name, [k.name], fused: false, "'\(k.name)' is the network output, which must be a dense buffer: copied")
                i += 1; continue
            }
            let readers = plan.readers(of: k.value)
            if let bad = readers.first(where: { !windowReaders.contains(plan.steps[$0].kind) }) {
                plan.decide(name, [k.name, plan.steps[bad].name], fused: false,
                            "its consumer '\(plan.steps[bad].name)' (\(plan.steps[bad].kind.rawValue)) reads whole buffers only: copied")
                i += 1; continue
            }
            let src = plan.steps.first { $0.value == k.inputs[0].value }?.name ?? "input"
            let names = readers.map { plan.steps[$0].name }.joined(separator: ", ")
            // Compose windows: a reader that already reads a window of the crop reads a window of its input.
            for r in readers {
                for j in plan.steps[r].inputs.indices where plan.steps[r].inputs[j].value == k.value {
                    let inner = plan.steps[r].inputs[j].window
                    plan.steps[r].inputs[j] = k.inputs[0]
                    if let inner {
                        plan.steps[r].inputs[j].window = Window(y: window.y + inner.y, x: window.x + inner.x, h: inner.h, w: inner.w)
                    }
                    plan.steps[r].sources += k.sources.filter { !plan.steps[r].sources.contains($0) }
                }
            }
            plan.steps.remove(at: i)
            plan.decide(name, [k.name], fused: true,
                        "\(names) read\(readers.count == 1 ? "s" : "") \(src)\(window) directly")
        }
    }
}
