// The glue between the compiler (spec -> plan) and the runtime (plan -> numbers) that `run`,
// `weights`, `export` and `verify` share. A model is a spec (analysed once, then compiled once
// per input size) or a saved plan (`fcngc compile --emit json`), which runs as it is, at the
// size it was compiled for. Weights are loaded once (the table does not depend on the size).

import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
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

    var phaseName: String {
        switch self {
        case .file(let path): return "load weights \(path)"
        case .random(let seed): return "make random weights (seed \(seed))"
        }
    }
}

final class ModelRunner {
    /// The spec or plan file.
    let model: String
    let choice: WeightChoice
    private var analysis: Analysis?
    private var savedPlan: Plan?
    private var plans: [String: Plan] = [:]
    private var compilations: [String: Compilation] = [:]
    private var executables: [String: Executable] = [:]
    private(set) var weights: WeightStore?
    /// Largest number of bytes a run may need (checked before allocating; see MemoryCheck).
    var maxMemory = MemoryGuard.defaultLimit()
    private var reported = Set<String>()
    /// How convolutions are computed (`--conv-algorithm`; a saved plan keeps its own).
    var convAlgorithm: ConvAlgorithmPass.Mode = .auto

    init(spec: String, weights: WeightChoice) {
        self.model = spec
        self.choice = weights
    }

    /// A saved plan is a `.json` file; anything else is a spec.
    var isPlanFile: Bool { model.lowercased().hasSuffix(".json") }

    /// Prints diagnostics not printed before (each once, however many sizes are compiled);
    /// throws CompilationFailed when there are errors (callers decide whether to go on).
    private func report(_ diagnostics: Diagnostics) throws {
        let fresh = Diagnostics()
        for d in diagnostics.all where reported.insert(DiagnosticPrinter(colour: false).render(d)).inserted || d.severity == .error {
            fresh.add(d)
        }
        if !fresh.all.isEmpty { Terminal.printDiagnostics(fresh) }
        if diagnostics.hasErrors { throw CompilationFailed() }
    }

    /// The spec's size-independent analysis, done once.
    private func analysed() throws -> Analysis {
        if let analysis { return analysis }
        guard !isPlanFile else { throw RuntimeError(file: model, "a saved plan cannot be analysed again: give the spec it was compiled from") }
        let diagnostics = Diagnostics()
        let a = SpecLoader(diagnostics: diagnostics, catalog: OpRegistry.catalog).load(model)
            .flatMap { Pipeline.analyse($0, diagnostics: diagnostics) }
        try report(diagnostics)
        guard let a else { throw CompilationFailed() }
        analysis = a
        return a
    }

    /// The analysed graph at `size` (nil: the spec's own example size).
    func compilation(_ size: Pair?) throws -> Compilation {
        let key = size.map { "\($0.h)x\($0.w)" } ?? "spec"
        if let c = compilations[key] { return c }
        let a = try analysed()
        let diagnostics = Diagnostics()
        let c = Pipeline.compile(a, input: size, diagnostics: diagnostics)
        try report(diagnostics)
        guard let c else { throw CompilationFailed() }
        compilations[key] = c
        compilations["\(c.input.h)x\(c.input.w)"] = c
        return c
    }

    /// The saved plan (a plan file), read and verified once.
    func loadedPlan() throws -> Plan {
        if let savedPlan { return savedPlan }
        let file = try FileContents.read(model)
        let data = file.bytes.map { Data(bytes: $0, count: file.count) } ?? Data()
        do {
            savedPlan = try PlanFile.decode(data, file: model)
        } catch let e as PlanFileError {
            throw RuntimeError(file: e.file, e.message)
        }
        return savedPlan!
    }

    /// The plan at `size`: compiled from the spec, or the saved plan if it was compiled for that size.
    func plan(_ size: Pair) throws -> Plan {
        if isPlanFile {
            let p = try loadedPlan()
            guard p.input[1] == size.h, p.input[2] == size.w else {
                throw RuntimeError(file: model, "this plan was compiled for \(p.input[1])x\(p.input[2]) inputs; the input is \(size.h)x\(size.w): compile the spec at that size (`fcngc compile SPEC --input \(size.h)x\(size.w) --emit json`)")
            }
            return p
        }
        let key = "\(size.h)x\(size.w)"
        if let p = plans[key] { return p }
        var p = try Feedback.phase("compile \(model) at \(size.h)x\(size.w)") { PlanPipeline.run(try compilation(size), skipping: [ConvAlgorithmPass.name]) }
        ConvAlgorithmPass.run(&p, mode: convAlgorithm)
        plans[key] = p
        return p
    }

    func loadWeights(for plan: Plan) throws -> WeightStore {
        if let weights { return weights }
        let store: WeightStore = try Feedback.phase(choice.phaseName, detail: { "\(Format.grouped($0.parameterCount)) parameters" }) {
            switch choice {
            case .random(let seed):
                return WeightStore.random(for: plan, seed: seed)
            case .file(let path):
                let store = try WeightStore.load(path: path, expected: plan.weightTable, optional: plan.optionalWeightTable)
                try WeightChecks.checkFixedUpsamplers(plan, store, file: path)
                return store
            }
        }
        weights = store
        return store
    }

    /// Lets the weight store go (executables keep what they use; Winograd convs keep only their
    /// transformed weights). A later size loads the weights again.
    func releaseWeights() { weights = nil }

    /// Lets the executable at `size` go (its arena; its packed and transformed weights too, once
    /// no other executable of the same weight store shares them).
    func releaseExecutable(_ size: Pair, batch: Int) { executables["\(size.h)x\(size.w)x\(batch)"] = nil }

    /// `lastUse`: no other executable will be built from these weights (they are released
    /// after), so the store may drop each tensor once it is packed or transformed.
    func executable(_ size: Pair, batch: Int, input file: String? = nil, lastUse: Bool = false) throws -> Executable {
        let key = "\(size.h)x\(size.w)x\(batch)"
        if let e = executables[key] { return e }
        let p = try plan(size)
        try checkMemory(p, size: size, batch: batch, file: file)
        let w = try loadWeights(for: p)
        w.dropsPreparedTensors = lastUse
        defer { w.dropsPreparedTensors = false }
        let e = try Feedback.phase("prepare kernels") { try Executable(plan: p, weights: w, batch: batch) }
        executables[key] = e
        return e
    }
}
