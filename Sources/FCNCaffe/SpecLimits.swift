// What a net can be in Caffe but not in fcngc's spec language. Two inputs, two outputs,
// concat and weighted sums are written now (`inputs:`, `outputs:`, `concat`, `sum` with
// `coefficients`); what is left: inputs of different declared sizes (a spec compiles every
// input at one size). Each construct is one located error naming it; the crop audit has
// already run, so the offsets of such nets are still checked.

import FCNSpec

enum SpecLimits {
    static func check(_ net: ImportedNet) -> [CaffeImportError] {
        var errors: [CaffeImportError] = []
        let sized = net.inputs.filter { $0.size != nil }
        if let first = sized.first, let other = sized.first(where: { $0.size != first.size }), let a = first.size, let b = other.size {
            errors.append(CaffeImportError(.notExpressible,
                "input '\(other.name)' is \(b.h)x\(b.w) but input '\(first.name)' is \(a.h)x\(a.w); a spec's inputs all have one size, so the net cannot be written",
                at: other.location))
        }
        return errors
    }
}
