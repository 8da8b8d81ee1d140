// Compiles a spec once per input size and runs it: the glue between the compiler (spec ->
// plan) and the runtime (plan -> numbers) that `run`, `weights` and `export` share.
// Weights are loaded once (the table does not depend on the input size).

import Foundation
import FCNSpec
import FCNCompiler
import FCNRuntime

enum WeightChoice {
    case file(String)
    case random(UInt64)

    /// "random" or "random:SEED".
    static func parseInit(_ s: String) -> WeightChoice? {
        if s == "random" { return .random(0) }
        guard s.hasPrefix("random:"), let seed = UInt64(s.dropFirst(7)) else { return nil }
        return .random(seed)
    }
}

final class ModelRunner {
    let spec: String
    let choice: WeightChoice
    private var plans: [String: Plan] = [:]
    private var compilations: [String: Compilation] = [:]
    private var executables: [String: Executable] = [:]
    private(set) var weights: WeightStore?
    /// How convolutions are computed (`--conv-algorithm`).
    var convAlgorithm: ConvAlgorithmPass.Mode = .auto

    init(spec: String, weights: WeightChoice) {
        self.spec = spec
        self.choice = weights
    }

    private var reported = Set<String>()

    /// The analysed graph at `size` (nil: the spec's own example size); diagnostics go to
    /// stderr, each once however many sizes are compiled.
    func compilation(_ size: Pair?) throws -> Compilation {
        let key = size.map { "\($0.h)x\($0.w)" } ?? "spec"
        if let c = compilations[key] { return c }
        let diagnostics = Diagnostics(), fresh = Diagnostics()
        let c = Pipeline.compile(spec, options: CompileOptions(input: size), diagnostics: diagnostics)
        for d in diagnostics.all where reported.insert(DiagnosticPrinter(colour: false).render(d)).inserted || d.severity == .error {
            fresh.add(d)
        }
        try Terminal.report(fresh)
        guard let c else { throw CompilationFailed() }
        compilations[key] = c
        compilations["\(c.input.h)x\(c.input.w)"] = c
        return c
    }

    /// The plan at `size`.
    func plan(_ size: Pair) throws -> Plan {
        let key = "\(size.h)x\(size.w)"
        if let p = plans[key] { return p }
        var p = PlanPipeline.run(try compilation(size), skipping: [ConvAlgorithmPass.name])
        ConvAlgorithmPass.run(&p, mode: convAlgorithm)
        plans[key] = p
        return p
    }

    func loadWeights(for plan: Plan) throws -> WeightStore {
        if let weights { return weights }
        let store: WeightStore
        switch choice {
        case .random(let seed):
            store = WeightStore.random(for: plan, seed: seed)
        case .file(let path):
            store = try WeightStore.load(path: path, expected: plan.weightTable, optional: plan.optionalWeightTable)
            try WeightChecks.checkFixedUpsamplers(plan, store, file: path)
        }
        weights = store
        return store
    }

    /// Lets the weight store go (executables keep what they use; Winograd convs keep only their
    /// transformed weights). A later size loads the weights again.
    func releaseWeights() { weights = nil }

    func executable(_ size: Pair, batch: Int) throws -> Executable {
        let key = "\(size.h)x\(size.w)x\(batch)"
        if let e = executables[key] { return e }
        let p = try plan(size)
        let e = try Executable(plan: p, weights: try loadWeights(for: p), batch: batch)
        executables[key] = e
        return e
    }
}
