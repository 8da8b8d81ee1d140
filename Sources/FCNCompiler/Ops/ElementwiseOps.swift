// The layers that keep their input's size and map coordinates by the identity: relu, lrn,
// dropout (the identity at inference), scale (a constant factor) and the implicit input.

import FCNPlan
import FCNSpec

enum InputOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.input)
        d.writable = false
        d.coord = .source
        return d
    }()
}

enum ReLUOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.relu)
        d.lower = { _ in (.relu, StepAttributes()) }
        return d
    }()
}

enum LRNOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.lrn)
        d.keys = [.int("size", \.lrnSize, min: 1), .double("alpha", \.alpha), .double("beta", \.beta), .double("k", \.lrnK)]
        d.lower = { n in
            var a = StepAttributes()
            a.lrn = LRNAttributes(size: n.params.lrnSize, alpha: n.params.alpha, beta: n.params.beta, k: n.params.lrnK)
            return (.lrn, a)
        }
        return d
    }()
}

enum DropoutOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.dropout)
        d.keys = [.double("ratio", \.ratio, range: 0..<1)]
        d.warnings = { n, diagnostics in
            if n.params.ratio >= 0.9 {
                diagnostics.warning(.suspiciousValue, "dropout '\(n.name)' drops \(Int(n.params.ratio * 100))% during training", at: n.location)
            }
        }
        d.lower = { _ in (.dropout, StepAttributes()) }
        return d
    }()
}

enum ScaleOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.scale)
        d.keys = [.double("value", \.value, required: "the constant factor")]
        d.lower = { n in
            var a = StepAttributes()
            a.factor = n.params.value
            return (.scale, a)
        }
        return d
    }()
}
