// Weights as the steps of a plan need them, prepared once: each step's tensors looked up by
// the names the plan lists (WeightRef's one naming, `<layer>.weight` / `<layer>.bias`), a
// folded input scale multiplied in, fixed bilinear upsamplers synthesised (no tensor in a file).

import FCNPlan

/// Where weights come from: a safetensors file, random initialisation, a test.
public protocol WeightSource {
    func tensor(named name: String) -> Tensor?
}

/// For a conv: its weight and bias, a folded batch norm and input scale applied. For a batch
/// norm step: `weight` holds the per-channel scale and `bias` the shift.
struct PreparedWeights {
    var weight: Tensor?
    var bias: Tensor?
    /// Winograd-transformed weights (then `weight` is not kept).
    var winograd: WinogradWeights?
    /// A GEMM conv's (im2col or 1x1) weights packed for fcngc's GEMM (then `weight` is not kept).
    var packedConv: PackedConvWeights?
    /// A Winograd F(2,7) conv's weights interleaved for its per-run transform (then `weight` is not kept).
    var winograd7x7: Winograd7x7Weights?

    /// Whether preparing `step` packs or transforms big weights (Executable prepares these first,
    /// while the fewest other prepared copies exist, to keep peak memory down).
    static func repacks(_ step: Step) -> Bool {
        step.kind == .conv && step.attributes.algorithm.flatMap(WinogradTile.init) == nil
    }

    static func prepare(_ step: Step, from source: WeightSource?) throws -> PreparedWeights {
        var out = PreparedWeights()
        switch step.kind {
        case .deconv where step.attributes.upsampler == .fixedBilinear:
            guard let g = step.attributes.geometry else { throw RuntimeError("deconv step '\(step.name)' has no kernel geometry") }
            let c = step.inputs[0].shape[0]
            out.weight = Tensor(shape: [c, c, g.kernel[0], g.kernel[1]],
                                values: Kernels.bilinearWeights(kernelH: g.kernel[0], kernelW: g.kernel[1], channels: c))
        case .conv, .deconv:
            let bnLayer = step.attributes.batchNorm?.layer
            let weightRef = step.weights.first { $0.role == .weight && $0.layer != bnLayer }
            // A packed or transformed form another executable of the same store already made.
            let store = source as? WeightStore
            let key = weightRef.flatMap { ref in form(of: step, weightShape: ref.shape).map {
                PreparedFormKey(tensor: ref.name, inputScale: step.attributes.inputScale, batchNorm: step.attributes.batchNorm,
                                form: $0, kernel: GemmKernel.current)
            } }
            let shared = key.flatMap { store?.preparedForms[$0] }
            let tensors = try lookUp(step.weights.filter { $0.layer != bnLayer && !(shared != nil && $0.name == weightRef?.name) }, step, source)
            var weight = tensors[.weight]
            out.bias = tensors[.bias]
            if let s = step.attributes.inputScale, let w = weight {
                let scaled = Tensor(shape: w.shape)
                for i in 0..<w.count { scaled.pointer[i] = w.pointer[i] * Float(s) }
                weight = scaled
            }
            if let bn = step.attributes.batchNorm, weight != nil || shared != nil {
                let (scale, shift) = try affine(step.weights.filter { $0.layer == bn.layer }, eps: bn.eps, step, source)
                let bias = Tensor(shape: [scale.count])
                for o in 0..<scale.count { bias.pointer[o] = (out.bias?.pointer[o] ?? 0) * scale[o] + shift[o] }
                if let w = weight {
                    let perOut = w.count / scale.count, folded = Tensor(shape: w.shape)
                    for o in 0..<scale.count {
                        for i in 0..<perOut { folded.pointer[o * perOut + i] = w.pointer[o * perOut + i] * scale[o] }
                    }
                    weight = folded
                }
                out.bias = bias
            }
            switch key?.form {
            case .winograd(let tile)?:
                out.winograd = shared as? WinogradWeights ?? weight.map {
                    WinogradWeights(weights: $0.pointer, inChannels: $0.shape[1], outChannels: $0.shape[0], tile: tile)
                }
            case .winograd7x7Lanes?:
                out.winograd7x7 = shared as? Winograd7x7Weights ?? weight.map {
                    Winograd7x7Weights(weights: $0.pointer, inChannels: $0.shape[1], outChannels: $0.shape[0])
                }
            case .packedGemm(let groups)?:
                out.packedConv = shared as? PackedConvWeights ?? weight.map {
                    PackedConvWeights(weights: $0.pointer, outChannels: $0.shape[0], groups: groups, depth: $0.shape[1] * $0.shape[2] * $0.shape[3])
                }
            case nil:
                out.weight = weight
            }
            if let key, let store, shared == nil, let made = (out.winograd as AnyObject?) ?? (out.packedConv as AnyObject?) ?? (out.winograd7x7 as AnyObject?) {
                store.preparedForms.insert(made, for: key)
            }
            if key != nil, let ref = weightRef {
                // Only its packed or transformed form is kept: a store that builds one executable lets go.
                store?.preparedTensor(named: ref.name)
            }
        case .batchnorm:
            guard let eps = step.attributes.eps else { throw RuntimeError("batch norm step '\(step.name)' has no eps") }
            let (scale, shift) = try affine(step.weights, eps: eps, step, source)
            out.weight = Tensor(shape: [scale.count], values: scale)
            out.bias = Tensor(shape: [shift.count], values: shift)
        case .upsample, .pool, .relu, .lrn, .dropout, .scale, .crop, .sum, .concat, .resize:
            break
        }
        return out
    }

    /// What a conv's weights (of shape `weightShape`) are turned into, if anything: Winograd
    /// weights when the plan chose a tile, interleaved ones for Winograd F(2,7), else a packed operand for fcngc's GEMM (when it, not
    /// OpenBLAS, does the GEMMs); deconvolutions keep their plain weights.
    static func form(of step: Step, weightShape: [Int]) -> PreparedWeightForm? {
        guard step.kind == .conv else { return nil }
        if let tile = step.attributes.algorithm.flatMap(WinogradTile.init) { return .winograd(tile) }
        if step.attributes.algorithm == .winogradF2x7 { return .winograd7x7Lanes }
        guard !Kernels.gemmUsesOpenBLAS, weightShape.count == 4 else { return nil }
        return .packedGemm(groups: step.attributes.group ?? 1)
    }

    /// The tensors `refs` names, by role, each checked against its expected shape.
    static func lookUp(_ refs: [WeightRef], _ step: Step, _ source: WeightSource?) throws -> [WeightRole: Tensor] {
        var out: [WeightRole: Tensor] = [:]
        for ref in refs {
            guard let t = source?.tensor(named: ref.name) else {
                throw RuntimeError("no tensor '\(ref.name)' (expected shape \(ref.shape)) for step '\(step.name)'")
            }
            guard t.shape == ref.shape || (t.count == ref.shape.reduce(1, *) && ref.shape.count == 1) else {
                throw RuntimeError("tensor '\(ref.name)' has shape \(t.shape), expected \(ref.shape)")
            }
            guard let role = ref.role else { throw RuntimeError("step '\(step.name)' lists tensor '\(ref.name)', which plays no role it knows") }
            out[role] = t
        }
        return out
    }

    /// A batch norm's per-channel (scale, shift) from its four tensors.
    static func affine(_ refs: [WeightRef], eps: Double, _ step: Step, _ source: WeightSource?) throws -> (scale: [Float], shift: [Float]) {
        let t = try lookUp(refs, step, source)
        guard let w = t[.weight], let b = t[.bias], let m = t[.runningMean], let v = t[.runningVar] else {
            throw RuntimeError("step '\(step.name)' needs a batch norm's weight, bias, running_mean and running_var")
        }
        if let bad = v.toArray().firstIndex(where: { !($0 >= 0) }) {
            throw RuntimeError("'\(refs.first { $0.role == .runningVar }?.name ?? step.name)' has a negative or NaN variance at channel \(bad)")
        }
        return Kernels.batchNormAffine(weight: w.toArray(), bias: b.toArray(), mean: m.toArray(), variance: v.toArray(), eps: eps)
    }
}
