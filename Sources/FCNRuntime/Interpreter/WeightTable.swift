// The weights a plan needs, as a table (`fcngc weights` prints it; loading checks files
// against it), and the check that fixed bilinear upsampler tensors found in a checkpoint
// (pytorch-fcn ships them) really are bilinear.

import FCNPlan

extension Plan {
    /// Every tensor the plan reads, in step order, each once.
    public var weightTable: [WeightRef] {
        var seen = Set<String>()
        return steps.flatMap(\.weights).filter { seen.insert($0.name).inserted }
    }

    /// Fixed bilinear upsamplers: no tensor needed, but a checkpoint may carry one, (C, C, kh, kw).
    public var fixedUpsamplerTable: [WeightRef] {
        steps.filter { $0.kind == .upsample || ($0.kind == .deconv && $0.attributes.upsampler == .fixedBilinear) }.compactMap { s in
            guard let k = s.attributes.geometry?.kernel else { return nil }
            let c = s.inputs[0].shape[0]
            return WeightRef(layer: s.name, .weight, shape: [c, c, k[0], k[1]])
        }
    }
}

extension Plan {
    /// Tensors a weights file may hold without the plan needing them: fixed upsamplers (checked
    /// to be bilinear) and the weights of layers the plan does not compute.
    public var optionalWeightTable: [WeightRef] { fixedUpsamplerTable + unusedWeights }
}

extension WeightStore: WeightSource {
    public func tensor(named name: String) -> Tensor? { self[name] }

    /// Deterministic random weights for a plan: He-initialised convolutions; learned
    /// upsamplers as their spec's `init` says (bilinear on the diagonal, zeros, or random).
    public static func random(for plan: Plan, seed: UInt64) -> WeightStore {
        let store = WeightStore.random(expected: plan.weightTable, seed: seed)
        for s in plan.steps where s.kind == .deconv && s.attributes.upsampler == .learned {
            guard let ref = s.weights.first(where: { $0.role == .weight }) else { continue }
            switch s.attributes.initializer {
            case .zeros?:
                store.set(ref.name, Tensor(shape: ref.shape))
            case .bilinear? where ref.shape[0] == ref.shape[1] * (s.attributes.group ?? 1) && (s.attributes.group ?? 1) == 1:
                store.set(ref.name, Tensor(shape: ref.shape, values: Kernels.bilinearWeights(kernelH: ref.shape[2], kernelW: ref.shape[3], channels: ref.shape[0])))
            case .random?, .bilinear?, nil:
                break
            }
        }
        return store
    }
}

public enum WeightChecks {
    /// Throws if a fixed upsampler's tensor is present but is not the diagonal bilinear kernel.
    public static func checkFixedUpsamplers(_ plan: Plan, _ store: WeightStore, file: String) throws {
        var problems: [String] = []
        for ref in plan.fixedUpsamplerTable {
            guard let t = store[ref.name] else { continue }
            let expected = Kernels.bilinearWeights(kernelH: ref.shape[2], kernelW: ref.shape[3], channels: ref.shape[0])
            var worst: Float = 0
            for i in 0..<min(t.count, expected.count) { worst = max(worst, abs(t.pointer[i] - expected[i])) }
            if worst > 1e-5 {
                problems.append("'\(ref.name)' differs from the fixed bilinear kernel by up to \(worst); the spec says this upsampler is not learned (write `learn: true` to use the file's weights)")
            }
        }
        if !problems.isEmpty { throw RuntimeError(file: file, "fixed upsampler weights are not bilinear", details: problems) }
    }
}
