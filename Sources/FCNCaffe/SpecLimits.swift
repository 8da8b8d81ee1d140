// What a net can be in Caffe but not (yet) in fcngc's spec language: one input, one output,
// no concat, sums without coefficients. Each construct is one located error naming it; the
// crop audit has already run, so the offsets of such nets are still checked. When the spec
// language grows (issue 9), a construct leaves this list and gains a line in SpecLayerWriter.

import FCNSpec

enum SpecLimits {
    static func check(_ net: ImportedNet) -> [CaffeImportError] {
        var errors: [CaffeImportError] = []
        if net.inputs.count > 1 {
            let names = net.inputs.map { "'\($0.name)'" }.joined(separator: ", ")
            errors.append(CaffeImportError(.notExpressible,
                "the net has \(net.inputs.count) inputs (\(names)); fcngc's spec language has one input so far, so it cannot be written",
                at: net.inputs[1].location))
        }
        if net.outputs.count > 1 {
            let names = net.outputs.map { "'\($0)'" }.joined(separator: ", ")
            let second = net.layer(net.outputs[1])
            errors.append(CaffeImportError(.notExpressible,
                "the net has \(net.outputs.count) outputs (\(names)); fcngc's spec language has one output so far, so it cannot be written",
                at: second?.location))
        }
        for l in net.layers {
            switch l.op {
            case .concat:
                errors.append(CaffeImportError(.notExpressible,
                    "layer '\(l.name)' (Concat) joins \(l.inputs.map { "'\($0)'" }.joined(separator: " and ")) along channels; fcngc's spec language has no concat yet",
                    at: l.location))
            case .sum:
                if let c = l.coefficients {
                    errors.append(CaffeImportError(.notExpressible,
                        "layer '\(l.name)' (Eltwise SUM) weighs its bottoms by \(c.map { "\($0)" }.joined(separator: ", ")); fcngc's `sum` has no coefficients yet",
                        at: l.fieldLocations["coeff"] ?? l.location))
                }
            case .conv, .deconv, .relu, .pool, .lrn, .dropout, .scale, .crop:
                break
            }
        }
        return errors
    }
}
