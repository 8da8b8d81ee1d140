// A residual block's sum (and its ReLU) fused into the convolution that computes one of its
// operands: ResNet's bottleneck ends with conv3 (batch norm folded), add(conv3, shortcut), ReLU.
// Unfused, conv3 writes its whole output and the sum reads it back with the shortcut; fused,
// the GEMM adds the bias and the shortcut (read from its own buffer) and applies the ReLU as it
// stores the last depth block (C = A*B + bias + shortcut, then ReLU). A shortcut whose rows are
// not contiguous (a window narrower than its buffer) is copied into the output first and the
// GEMM accumulates into it.
//
// Algorithm: for each sum whose inputs include a conv step's output, the operands that are convs
// are tried latest-written first (with a downsampling shortcut, the downsample conv runs after
// conv3: fusing into the later conv needs no reordering, and an addition is commutative). A conv
// takes the sum when:
//   - the sum has two inputs and no coefficients other than 1;
//   - it reads the conv's whole output (no window), and nothing else reads it (nor is it an output);
//   - the conv applies no ReLU of its own and no fused pooling, and adds no residual already;
//   - the other operand (the shortcut) is written before the conv, so the conv can read it;
//   - the conv runs on GEMM (1x1 or im2col): one the conv-algorithm pass would put on Winograd
//     (3x3 or 7x7 stride 1, enough input channels) keeps its sum, since Winograd's output
//     transform does not add a shortcut; the conv-algorithm pass keeps a fused conv on GEMM.
// The conv then reads the shortcut as its second input (a window stays a window), carries
// `residual` (the shortcut's value) and the sum's `relu`, takes the sum's sources and readers, and
// the sum step goes. Liveness needs nothing new: the shortcut is now read by the conv, so it lives
// through it, and a conv never runs in place, so its output never takes the shortcut's buffer
// (which the GEMM must not write before its last depth block adds it; VerifyPlan checks both).

import FCNPlan

public enum FuseResidualPass {
    public static let name = "fuse-residual"

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let sum = plan.steps[i]
            guard sum.kind == .sum else { i += 1; continue }
            // Conv operands, the one written last first.
            let convs = sum.inputs.indices
                .compactMap { k in plan.stepIndex(producing: sum.inputs[k].value).map { (k, $0) } }
                .filter { plan.steps[$0.1].kind == .conv }
                .sorted { $0.1 > $1.1 }
            guard !convs.isEmpty else { i += 1; continue }
            var fused = false, firstRefusal: (String, String)?
            for (k, c) in convs {
                let conv = plan.steps[c]
                if let why = refusal(plan, sum: sum, operand: k, conv: c) {
                    if firstRefusal == nil { firstRefusal = (conv.name, why) }
                    continue
                }
                let shortcut = sum.inputs[1 - k]
                plan.steps[c].inputs.append(shortcut)
                plan.steps[c].attributes.residual = FusedResidual(value: shortcut.value)
                plan.steps[c].attributes.relu = sum.attributes.relu
                plan.steps[c].sources += sum.sources
                let then = sum.attributes.fusedReLU ? ", then the ReLU," : ""
                // The runtime reads a shortcut whose rows are contiguous in the GEMM's store; a
                // narrower window is copied into the output first and the GEMM accumulates into it.
                let how = shortcut.window.map { $0.w != shortcut.shape[2] } ?? false
                    ? "in its GEMM, which accumulates into a copy of it (a window narrower than its buffer)"
                    : "as its GEMM stores its last depth block"
                plan.decide(name, [conv.name, sum.name], fused: true,
                            "'\(conv.name)' adds '\(valueName(plan, shortcut.value))'\(then) \(how)")
                for j in plan.steps.indices {
                    for m in plan.steps[j].inputs.indices where plan.steps[j].inputs[m].value == sum.value {
                        plan.steps[j].inputs[m].value = conv.value
                    }
                }
                for m in plan.outputs.indices where plan.outputs[m].value == sum.value { plan.outputs[m].value = conv.value }
                plan.steps.remove(at: i)
                fused = true
                break
            }
            if !fused {
                if let (conv, why) = firstRefusal { plan.decide(name, [conv, sum.name], fused: false, why) }
                i += 1
            }
        }
    }

    /// Why the sum at `sum` stays a step of its own rather than being added by the conv at index
    /// `conv` whose output is the sum's input `operand` (nil: it can be fused).
    static func refusal(_ plan: Plan, sum: Step, operand k: Int, conv c: Int) -> String? {
        let conv = plan.steps[c], a = conv.attributes
        if sum.inputs.count != 2 { return "'\(sum.name)' adds \(sum.inputs.count) inputs; a conv adds one shortcut" }
        if let co = sum.attributes.coefficients, co.contains(where: { $0 != 1 }) {
            return "'\(sum.name)' scales its inputs (coefficients \(co))"
        }
        let shortcut = sum.inputs[1 - k]
        if shortcut.value == conv.value { return "'\(sum.name)' adds '\(conv.name)' to itself" }
        if sum.inputs[k].window != nil { return "'\(sum.name)' reads a window of '\(conv.name)'" }
        if plan.readers(of: conv.value).count != 1 || plan.isOutput(conv.value) {
            return "'\(conv.name)' has other consumers: its own output must be stored"
        }
        if a.fusedReLU { return "'\(conv.name)' applies its own ReLU before the sum" }
        if a.maxPool != nil { return "'\(conv.name)' pools its output" }
        if a.residual != nil { return "'\(conv.name)' already adds a residual" }
        if let p = plan.stepIndex(producing: shortcut.value), p > c {
            return "'\(plan.steps[p].name)' is written after '\(conv.name)', which would have to read it"
        }
        let (algorithm, _) = ConvAlgorithmPass.choose(conv, mode: .auto)
        if algorithm.isWinograd {
            return "'\(conv.name)' runs on \(algorithm.rawValue), whose output transform adds no shortcut"
        }
        return nil
    }

    /// The name a value is shown by: the network input's, or its step's output layer.
    static func valueName(_ plan: Plan, _ value: Int) -> String {
        if plan.isInput(value) { return plan.inputs[value].name }
        return plan.steps.first { $0.value == value }.map { plan.outputLayer(of: $0) } ?? "v\(value)"
    }
}
