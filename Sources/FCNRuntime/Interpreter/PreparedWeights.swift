// Weights as the steps of a plan need them, prepared once: each conv/deconv step's weight
// and bias tensors looked up by name (`<layer>.weight`, `<layer>.bias`), a folded input
// scale multiplied in, fixed bilinear upsamplers synthesised (no tensor in the file).

import FCNCompiler

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
        case .conv, .deconv:
            if step.kind == .deconv, step.attributes.upsampler == "fixed-bilinear" {
                let k = step.attributes.kernel ?? [1, 1], c = step.inputs[0].shape[0]
                out.weight = Tensor(shape: [c, c, k[0], k[1]], values: Kernels.bilinearWeights(kernelH: k[0], kernelW: k[1], channels: c))
                return out
            }
            for ref in step.weights {
                guard let t = source?.tensor(named: ref.name) else {
                    throw RuntimeError("no tensor '\(ref.name)' (expected shape \(ref.shape)) for step '\(step.name)'")
                }
                guard t.shape == ref.shape || (t.count == ref.shape.reduce(1, *) && ref.shape.count == 1) else {
                    throw RuntimeError("tensor '\(ref.name)' has shape \(t.shape), expected \(ref.shape)")
                }
                if ref.name.hasSuffix(".bias") { out.bias = t } else { out.weight = t }
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
        default:
            break
        }
        return out
    }
}
