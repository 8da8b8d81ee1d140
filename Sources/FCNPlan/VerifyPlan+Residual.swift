// VerifyPlan's check of a conv that adds a fused residual sum (FuseResidualPass, StepAttributes.residual).

extension VerifyPlan {
    /// A fused residual sum: only on a conv, its shortcut the step's second input, read at the
    /// output's shape, on GEMM (Winograd's output transform adds no shortcut), without a fused
    /// pooling; and a conv reads a second input only as such a shortcut.
    static func checkResidual(_ s: Step, at: String) -> [String] {
        let a = s.attributes
        guard let r = a.residual else {
            return s.kind == .conv && s.inputs.count > 1 ? ["\(at) (conv) reads \(s.inputs.count) inputs but adds no residual"] : []
        }
        guard s.kind == .conv else { return ["\(at) (\(s.kind.rawValue)) cannot add a fused residual"] }
        guard s.inputs.count == 2, s.inputs[1].value == r.value else {
            return ["\(at) adds v\(r.value), which is not its second input"]
        }
        var out: [String] = []
        let added = readShape(s.inputs[1])
        if added != s.shape { out.append("\(at) adds a \(added) shortcut to its \(s.shape) output") }
        if a.maxPool != nil { out.append("\(at) cannot both pool its output and add a residual") }
        if let alg = a.algorithm, alg.isWinograd { out.append("\(at): a fused residual needs a GEMM conv, not \(alg.rawValue)") }
        return out
    }
}
