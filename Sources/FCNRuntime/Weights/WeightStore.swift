// Named weight tensors for one model, checked against the plan's weight table.
//
// `load` verifies a safetensors file against the table and reports every mismatch in one
// error. Fixed bilinear upsamplers have no entry in the table, but real checkpoints
// (pytorch-fcn) carry them: the caller lists them in `optional`, they are accepted when
// present (with the right shape) and kept, so the caller can check they are bilinear.

import FCNPlan

public final class WeightStore: @unchecked Sendable {
    /// Tensor names in table order (expected first, then optional tensors found in the file).
    public private(set) var names: [String]
    private var tensors: [String: Tensor]
    /// Names of tensors that were loaded from the `optional` table.
    public private(set) var optionalNames: [String]
    /// Tensors of the file that were recognised and not loaded: PyTorch's batch norm counters
    /// `<layer>.num_batches_tracked` of this model's batch norms (see `BatchNormCounter`).
    public private(set) var ignoredNames: [String] = []
    /// The file the weights came from (nil for random or hand-built stores).
    public let path: String?

    /// A store holding `tensors` in the given order (later duplicates replace earlier ones).
    public init(_ tensors: [(name: String, tensor: Tensor)], path: String? = nil) {
        var names: [String] = []
        var map: [String: Tensor] = [:]
        for (n, t) in tensors {
            if map[n] == nil { names.append(n) }
            map[n] = t
        }
        self.names = names
        self.tensors = map
        self.optionalNames = []
        self.path = path
    }

    public subscript(name: String) -> Tensor? { tensors[name] }

    public var count: Int { names.count }

    /// Total number of parameters held.
    public var parameterCount: Int { names.reduce(0) { $0 + (tensors[$1]?.count ?? 0) } }

    /// When set, a tensor an executable has packed or transformed is dropped from the store
    /// (`preparedTensor(named:)`), so the plain and prepared forms are not both held: for a store
    /// that builds one executable and is then let go.
    public var dropsPreparedTensors = false

    /// Drops `name` if `dropsPreparedTensors` (called by PreparedWeights).
    public func preparedTensor(named name: String) {
        if dropsPreparedTensors { tensors[name] = nil }
    }

    /// Packed and Winograd-transformed conv weights made from this store, shared by the
    /// executables built from it (one copy per tensor and form; see PreparedFormCache).
    let preparedForms = PreparedFormCache()

    /// Adds or replaces `name` (forgetting every prepared form, which may have used it).
    public func set(_ name: String, _ t: Tensor) {
        if tensors[name] == nil { names.append(name) }
        tensors[name] = t
        preparedForms.removeAll()
    }

    // MARK: Loading

    /// Problems listed one per line in a load error; the rest are counted.
    public static let maxListedProblems = 20

    /// Loads `path` (safetensors) and checks it against `expected`. Tensors named in `optional`
    /// (fixed upsamplers: `<layer>.weight`, and a `<layer>.bias` of shape [weight.shape[1]]
    /// unless listed itself) may be present or absent. Everything wrong — missing tensors,
    /// unexpected tensors, wrong shapes, unloadable dtypes, non-finite values — is reported
    /// together in one `RuntimeError`. A batch norm's `<layer>.num_batches_tracked` (an integer
    /// counter PyTorch saves in every state_dict) is accepted and ignored, for the batch norms
    /// of `expected` and of `optional` (a head the plan does not compute).
    public static func load(path: String, expected: [WeightRef], optional: [WeightRef] = []) throws -> WeightStore {
        let file = try SafetensorsFile(path: path)
        var problems: [String] = []

        // The optional table, with implied biases of the listed upsampler layers.
        var optionalShapes: [String: [Int]] = [:]
        var optionalOrder: [String] = []
        func addOptional(_ name: String, _ shape: [Int]) {
            if optionalShapes[name] == nil { optionalOrder.append(name) }
            optionalShapes[name] = shape
        }
        for r in optional { addOptional(r.name, r.shape) }
        for r in optional where r.name.hasSuffix(".weight") && r.shape.count >= 2 {
            let bias = String(r.name.dropLast(".weight".count)) + ".bias"
            if optionalShapes[bias] == nil { addOptional(bias, [r.shape[1]]) }
        }

        var expectedNames = Set<String>()
        var table: [WeightRef] = []
        for r in expected where expectedNames.insert(r.name).inserted { table.append(r) }
        for r in table { optionalShapes[r.name] = nil }
        optionalOrder.removeAll { expectedNames.contains($0) }

        func check(_ name: String, _ shape: [Int], _ e: SafetensorsEntry) -> Bool {
            var ok = true
            if !e.dtype.isLoadable {
                problems.append("wrong dtype: '\(name)' is \(e.dtype.rawValue) (expected \(SafetensorsDType.loadableList))")
                ok = false
            }
            if e.shape != shape {
                problems.append("wrong shape: '\(name)' expected \(shape), found \(e.shape)")
                ok = false
            }
            return ok
        }

        // For "a prefix to strip?" hints: each name's suffixes after a '.', first name wins
        // (built once, only if something is missing: linear in the header, not per miss).
        var suffixes: [String: String]?
        func nameEnding(in name: String) -> String? {
            if suffixes == nil {
                var map: [String: String] = [:]
                for n in file.names {
                    var rest = Substring(n)
                    while let dot = rest.firstIndex(of: ".") {
                        rest = rest[rest.index(after: dot)...]
                        if map[String(rest)] == nil { map[String(rest)] = n }
                    }
                }
                suffixes = map
            }
            return suffixes![name]
        }

        var load: [String] = []
        for r in table {
            guard let e = file[r.name] else {
                var line = "missing: '\(r.name)' (expected shape \(r.shape))"
                if let similar = nameEnding(in: r.name) {
                    line += "; the file has '\(similar)' (a prefix to strip?)"
                }
                problems.append(line)
                continue
            }
            if check(r.name, r.shape, e) { load.append(r.name) }
        }
        var loadedOptional: [String] = []
        var ignored: [String] = []
        for e in file.entries where !expectedNames.contains(e.name) {
            if let shape = optionalShapes[e.name] {
                if check(e.name, shape, e) { loadedOptional.append(e.name) }
            } else if let layer = BatchNormCounter.layer(of: e.name),
                      case let mean = WeightRef.name(layer: layer, .runningMean), expectedNames.contains(mean) || optionalShapes[mean] != nil {
                if let problem = BatchNormCounter.problem(e) { problems.append(problem) } else { ignored.append(e.name) }
            } else {
                problems.append("extra: '\(e.name)' (found shape \(e.shape), \(e.dtype.rawValue)) is not a weight of this model")
            }
        }
        let optionalRank = Dictionary(optionalOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        loadedOptional.sort { optionalRank[$0]! < optionalRank[$1]! }

        var loaded: [(name: String, tensor: Tensor)] = []
        if problems.isEmpty {
            for name in load + loadedOptional {
                let t = try file.tensor(name)
                if let bad = t.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
                    problems.append("non-finite value: '\(name)' has \(t.pointer[bad]) at flat index \(bad)")
                }
                loaded.append((name, t))
            }
        }
        if !problems.isEmpty {
            // A hostile header can hold a million tensors: list the first few, then count.
            var details = Array(problems.prefix(maxListedProblems))
            if problems.count > maxListedProblems {
                details.append("... and \(problems.count - maxListedProblems) more (\(file.entries.count) tensors in the file, \(table.count) expected)")
            }
            throw RuntimeError(file: path,
                               "weights do not match the model (\(problems.count) problem\(problems.count == 1 ? "" : "s"))",
                               details: details)
        }
        let store = WeightStore(loaded, path: path)
        store.optionalNames = loadedOptional
        store.ignoredNames = ignored
        return store
    }

    // MARK: Random initialisation

    /// Deterministic random weights for `expected` (see `WeightInit.random`): He normal weights,
    /// small normal biases; identical for the same seed on every run and platform.
    public static func random(expected: [WeightRef], seed: UInt64) -> WeightStore {
        WeightStore(expected.map { ($0.name, WeightInit.random($0.name, shape: $0.shape, seed: seed)) })
    }

    // MARK: Writing

    /// Writes every tensor to `path` as safetensors, atomically.
    public func write(to path: String, dtype: SafetensorsDType = .f32, metadata: [String: String] = [:]) throws {
        let dropped = names.filter { tensors[$0] == nil }
        guard dropped.isEmpty else {
            throw RuntimeError(file: path, "cannot write the weights: \(dropped.count) tensor(s) were dropped once packed for an executable (first '\(dropped[0])')")
        }
        try SafetensorsWriter.write(names.map { ($0, tensors[$0]!) }, to: path, dtype: dtype, metadata: metadata)
    }
}
