// The one liveness analysis: which values reach the outputs, walking back over the edges a
// value reads. The graph builder (unused-layer warnings), the dead-step pass and the ONNX
// exporter all ask this one function, each with its own notion of "reads".

public enum Liveness {
    /// Every value from which one of `outputs` can be reached through `reads`.
    public static func live<ID: Hashable>(outputs: [ID], reads: (ID) -> [ID]) -> Set<ID> {
        var live = Set<ID>(), stack = outputs
        while let v = stack.popLast() {
            guard live.insert(v).inserted else { continue }
            stack += reads(v)
        }
        return live
    }

    /// For each value of a plan, the index of the last step that reads it (the output: one past
    /// the last step; a value nothing reads: the step that writes it; an input: -1 if unread).
    public static func lastUse(_ plan: Plan) -> [Int: Int] {
        var last = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0.value, -1) })
        for (i, s) in plan.steps.enumerated() {
            last[s.value] = last[s.value] ?? i
            for inp in s.inputs { last[inp.value] = i }
        }
        for o in plan.outputs { last[o.value] = plan.steps.count }
        return last
    }
}
