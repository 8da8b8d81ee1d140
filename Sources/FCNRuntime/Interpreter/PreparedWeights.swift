// Weights as the steps of a plan need them, prepared once: each step's tensors looked up by
// the names the plan lists (WeightRef's one naming, `<layer>.weight` / `<layer>.bias`), a
// folded input scale multiplied in, fixed bilinear upsamplers synthesised (no tensor in a file).

import FCNPlan

/// Where weights come from: a safetensors file, random initialisation, a test.
public protocol WeightSource {
    func tensor(named name: String) -> Tensor?
}

struct PreparedWeights {
    var weight: Tensor?
    var bias: Tensor?
    /// Winograd-transformed weights (then `weight` is not kept).
    var winograd: WinogradWeights?

    static func prepare(_ step: Step, from source: WeightSource?) throws -> PreparedWeights {
        var out = PreparedWeights()
        switch step.kind {
        case .deconv where step.attributes.upsampler == .fixedBilinear:
            guard let g = step.attributes.geometry else { throw RuntimeError("deconv step '\(step.name)' has no kernel geometry") }
            let c = step.inputs[0].shape[0]
            out.weight = Tensor(shape: [c, c, g.kernel[0], g.kernel[1]],
                                values: Kernels.bilinearWeights(kernelH: g.kernel[0], kernelW: g.kernel[1], channels: c))
        case .conv, .deconv:
            for ref in step.weights {
                guard let t = source?.tensor(named: ref.name) else {
                    throw RuntimeError("no tensor '\(ref.name)' (expected shape \(ref.shape)) for step '\(step.name)'")
                }
                guard t.shape == ref.shape || (t.count == ref.shape.reduce(1, *) && ref.shape.count == 1) else {
                    throw RuntimeError("tensor '\(ref.name)' has shape \(t.shape), expected \(ref.shape)")
                }
                switch ref.role {
                case .bias?: out.bias = t
                case .weight?: out.weight = t
                case nil: throw RuntimeError("step '\(step.name)' lists tensor '\(ref.name)', which is neither a weight nor a bias")
                }
            }
            if let s = step.attributes.inputScale, let w = out.weight {
                let scaled = Tensor(shape: w.shape)
                for i in 0..<w.count { scaled.pointer[i] = w.pointer[i] * Float(s) }
                out.weight = scaled
            }
            if let tile = step.attributes.algorithm.flatMap(WinogradTile.init), let w = out.weight {
                out.winograd = WinogradWeights(weights: w.pointer, inChannels: w.shape[1], outChannels: w.shape[0], tile: tile)
                out.weight = nil
            }
        case .upsample, .pool, .relu, .lrn, .dropout, .scale, .crop, .sum:
            break
        }
        return out
    }
}
