// crop X like R: the part of X the size of R, at the offset the coordinate maps derive
// (InferCropOffsetsPass); an offset is never written. Lowered to a crop step whose input is a
// window of X (the plan then lets consumers read that window directly).
// sum: element-wise sum of two or more inputs of equal channels and size, optionally with one
// coefficient per input (Caffe's Eltwise SUM coeff: NYUD color-HHA's 0.5/0.5 late fusion).

import FCNPlan
import FCNSpec

enum CropOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.crop)
        d.keys = [.layerName("like", required: "the layer (or 'input') whose size to crop to"),
                  .refused("offset", "crop offsets are derived by fcngc from the layers' coordinate maps, never written; remove 'offset'",
                           fix: "see `fcngc compile --explain-crops` for the offset it derives")]
        d.coord = .crop
        d.outputSize = { n, axis, size, reference in
            let off = n.cropOffset?[axis] ?? 0, ref = reference ?? size
            guard size - off >= ref else { return .failure(.cropTooSmall(input: size, offset: off, reference: ref)) }
            return .success(ref)
        }
        d.lower = { _ in (.crop, StepAttributes()) }
        return d
    }()
}

enum SumOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.sum)
        d.inputs = .many(min: 2)
        d.keys = [.doubles("coefficients", \.coefficients)]
        d.channels = { n, inputs, diagnostics in
            n.channels = inputs[0].channels
            if !n.params.coefficients.isEmpty, n.params.coefficients.count != inputs.count {
                diagnostics.error(.badValue, "sum '\(n.name)' has \(n.params.coefficients.count) coefficients for \(inputs.count) inputs",
                                  at: n.at("coefficients"), fix: "write one coefficient per input in 'from'")
            }
            for j in inputs.dropFirst() where j.channels != inputs[0].channels {
                diagnostics.error(.channelMismatch,
                    "sum '\(n.name)' adds '\(inputs[0].name)' (\(inputs[0].channels) channels) and '\(j.name)' (\(j.channels) channels)",
                    at: n.location, notes: [.init("'\(j.name)' defined here", at: j.location),
                                            .init("'\(inputs[0].name)' defined here", at: inputs[0].location)])
            }
        }
        d.lower = { n in
            var a = StepAttributes()
            if n.params.coefficients.contains(where: { $0 != 1 }) { a.coefficients = n.params.coefficients }
            return (.sum, a)
        }
        return d
    }()
}
