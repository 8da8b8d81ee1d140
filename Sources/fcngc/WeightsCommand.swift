// `fcngc weights SPEC`: the tensors a weights file must hold (name, shape, parameters),
// and `--init random[:seed] -o FILE` to write a deterministic random weights file.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "weights", abstract: "Print the expected weight tensors, or write random ones.")

    @Argument(help: "Model spec file.") var spec: String
    @Option(help: "Write weights made with random[:SEED] (He initialisation) to -o FILE.") var `init`: String?
    @Option(name: .shortAndLong, help: "Output safetensors file (with --init).") var output: String?
    @Option(help: "Check FILE against the table instead of printing it.") var check: String?
    @Flag(help: "With --init: replace -o FILE even if it holds weights not made by --init.") var force = false
    @Option(help: "Start from OLD.safetensors (another variant's weights): copy same-named tensors of the same shape, zero new skip score layers, initialise the rest (--init random:S, default seed 0); needs -o.")
    var from: String?

    func run() throws {
        Feedback.phasesMuted = true   // compiling for the table is quick; only results are printed
        let runner = ModelRunner(spec: spec, weights: .random(0))
        let plan: Plan
        do { plan = try runner.plan(Pair(64)) } catch is CompilationFailed { throw ExitCode(1) }
        if let check {
            do {
                let store = try WeightStore.load(path: check, expected: plan.weightTable, optional: plan.optionalWeightTable)
                try WeightChecks.checkFixedUpsamplers(plan, store, file: check)
                let ignored = store.ignoredNames.isEmpty ? "" : " (\(store.ignoredNames.count) batch norm num_batches_tracked counters ignored)"
                print("\(check): ok, \(store.count) tensors, \(Format.grouped(store.parameterCount)) parameters\(ignored)")
            } catch let e as RuntimeError {
                Terminal.printError("error: \(e.message)")
                throw ExitCode(1)
            }
            return
        }
        if let from {
            guard let output else { throw ValidationError("--from needs -o NEW.safetensors") }
            guard case .random(let seed)? = WeightChoice.parseInit(`init` ?? "random") else {
                throw ValidationError("--init takes random or random:SEED, not '\(`init` ?? "")'")
            }
            do {
                print(try WeightsFrom.run(runner: runner, plan: plan, from: from, to: output, seed: seed), terminator: "")
            } catch let e as RuntimeError {
                Terminal.printError("error: \(e.message)")
                throw ExitCode(1)
            }
            return
        }
        if let initSpec = `init` {
            guard case .random(let seed)? = WeightChoice.parseInit(initSpec) else {
                throw ValidationError("--init takes random or random:SEED, not '\(initSpec)'")
            }
            guard let output else { throw ValidationError("--init needs -o FILE.safetensors") }
            do {
                try checkOutput(output)
                try WeightStore.random(for: plan, seed: seed).write(to: output, metadata: [Self.initKey: initSpec])
            } catch let e as RuntimeError {
                Terminal.printError("error: \(e.message)")
                throw ExitCode(1)
            }
            return
        }
        var t = TextTable(["tensor", "shape", "params", "note"], rightAligned: [2])
        for ref in plan.weightTable {
            t.add([ref.name, ref.shape.map(String.init).joined(separator: "x"), Format.grouped(ref.shape.reduce(1, *)), ""])
        }
        for ref in plan.fixedUpsamplerTable {
            t.add([ref.name, ref.shape.map(String.init).joined(separator: "x"), "", "optional: fixed bilinear (checked if present)"])
        }
        let total = plan.weightTable.reduce(0) { $0 + $1.shape.reduce(1, *) }
        print(t.render())
        print("\n\(plan.weightTable.count) tensors, \(Format.grouped(total)) parameters (float32: \(Format.bytes(total * 4))); layouts: conv (Cout, Cin/g, kh, kw), deconv (Cin, Cout/g, kh, kw)")
    }
}
