// Small helpers the plan passes share: who reads a value, and replacing one value by
// another in every reader.

import FCNPlan

extension Plan {
    /// Indices of the steps that read `value`.
    func readers(of value: Int) -> [Int] {
        steps.indices.filter { i in steps[i].inputs.contains { $0.value == value } }
    }

    func stepIndex(producing value: Int) -> Int? { steps.firstIndex { $0.value == value } }

    /// Removes step `i`, making its readers read its first input instead (same window rules
    /// as the removed step: only for steps whose output equals their input).
    mutating func bypass(_ i: Int) {
        let removed = steps.remove(at: i)
        let replacement = removed.inputs[0]
        for j in steps.indices {
            for k in steps[j].inputs.indices where steps[j].inputs[k].value == removed.value {
                let window = steps[j].inputs[k].window
                steps[j].inputs[k] = replacement
                if let window { steps[j].inputs[k].window = window }
            }
        }
        for k in outputs.indices where outputs[k].value == removed.value { outputs[k].value = replacement.value }
    }

    mutating func decide(_ pass: String, _ layers: [String], fused: Bool, _ reason: String) {
        fusion.append(FusionDecision(pass: pass, layers: layers, fused: fused, reason: reason))
    }
}
