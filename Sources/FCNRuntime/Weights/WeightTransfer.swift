// `fcngc weights NEW.yaml --from OLD.safetensors -o NEW.safetensors`: a new variant's weights
// started from an old one's, as the paper built FCN-16s from FCN-32s. Every tensor of the new
// plan is, in this order:
//   copied    OLD holds a tensor of that name (the same layer) and shape;
//   zeroed    it belongs to a new convolution that only feeds a sum (a new skip's score
//             layer), so the sum first passes its other input through unchanged;
//   bilinear  a learned upsampler, started as its spec's `init` says (see WeightStore.random);
//   random    anything else, He-initialised from the seed (reported: training must learn it).
// OLD's tensors the new plan does not read are reported with the reason.

import FCNPlan

public struct WeightTransfer {
    public enum Origin: String, Sendable { case copied, zeroed, initialised, random }

    public struct Entry: Sendable {
        public var name: String
        public var shape: [Int]
        public var origin: Origin
        /// For a tensor not copied: why (OLD lacks it, or holds another shape).
        public var note: String
    }

    public var entries: [Entry] = []
    /// OLD's tensors not used, with the reason.
    public var unused: [(name: String, reason: String)] = []
    public let store: WeightStore

    /// `zeroLayers`: layers to zero-initialise when OLD lacks them (Graph.sumOnlyConvolutions).
    public init(plan: Plan, zeroLayers: Set<String>, from old: SafetensorsFile, seed: UInt64) throws {
        let store = WeightStore([])
        var initialised: WeightStore?   // learned upsamplers as --init would make them; built only if needed
        let learned = Set(plan.steps.filter { $0.kind == .deconv && $0.attributes.upsampler == .learned }.flatMap(\.weights).map(\.name))
        var used = Set<String>()
        for ref in plan.weightTable {
            let layer = ref.name.split(separator: ".").dropLast().joined(separator: ".")
            var note = "not in the old file"
            if let e = old[ref.name] {
                if e.shape == ref.shape {
                    store.set(ref.name, try old.tensor(e))
                    used.insert(ref.name)
                    entries.append(Entry(name: ref.name, shape: ref.shape, origin: .copied, note: ""))
                    continue
                }
                note = "the old file's has shape \(e.shape)"
            }
            if zeroLayers.contains(layer) {
                store.set(ref.name, Tensor(shape: ref.shape))
                entries.append(Entry(name: ref.name, shape: ref.shape, origin: .zeroed, note: note))
            } else if learned.contains(ref.name) {
                initialised = initialised ?? WeightStore.random(for: plan, seed: seed)
                store.set(ref.name, initialised![ref.name]!)
                entries.append(Entry(name: ref.name, shape: ref.shape, origin: .initialised, note: note))
            } else {
                store.set(ref.name, WeightInit.random(ref.name, shape: ref.shape, seed: seed))
                entries.append(Entry(name: ref.name, shape: ref.shape, origin: .random, note: note))
            }
        }
        let wanted = Dictionary(plan.weightTable.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
        let fixed = Set(plan.fixedUpsamplerTable.map(\.name))
        for e in old.entries where !used.contains(e.name) {
            if let shape = wanted[e.name] {
                unused.append((e.name, "shape \(e.shape), the new model's is \(shape)"))
            } else if fixed.contains(e.name) {
                unused.append((e.name, "a fixed bilinear upsampler in the new model (no tensor needed)"))
            } else {
                unused.append((e.name, "no such tensor in the new model"))
            }
        }
        self.store = store
    }

    public func count(_ origin: Origin) -> Int { entries.filter { $0.origin == origin }.count }
}
