// `fcngc compile SPEC [--input HxW] [--emit text|json|dot|layers] [--explain-crops]
// [--explain-fusion] [--print-after PASS] [-o FILE]`: the execution plan (default), or the per-layer analysis.

import ArgumentParser
import FCNSpec
import FCNCompiler
import FCNPlan

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile a spec: print its execution plan, layer table, or explanations.",
        discussion: """
        --emit text    the plan as a table: one row per step, totals, memory (default)
        --emit layers  the per-layer analysis: shapes, receptive field, stride, offsets, params, MACs
        --emit json    the plan as JSON (includes `inputs`, `outputs` and `layers`; round-trips byte for byte)
        --emit dot     the plan as a Graphviz graph (render with `dot -Tsvg`)
        """)

    enum Emit: String, ExpressibleByArgument, CaseIterable { case text, layers, json, dot }

    @Argument(help: "Model spec file.") var spec: String
    @Option(help: "Input size HxW (default: the spec's input.size, else 500x500).") var input: Pair?
    @Option(help: "Output: text, layers, json or dot.") var emit: Emit = .text
    @Flag(help: "Show, for every crop, the coordinate maps that give its offset.") var explainCrops = false
    @Flag(help: "Show every fusion the compiler considered, and why it did or did not fuse.") var explainFusion = false
    @Option(help: "Convolutions: auto, gemm, winograd, winograd-f2x3, winograd-f6x3 (as for run).") var convAlgorithm: ConvAlgorithmPass.Mode = .auto
    @Option(name: .shortAndLong, help: "Write to FILE (atomically) instead of stdout.") var output: String?
    @Option(help: ArgumentHelp("Print the graph (graph passes) or the plan (plan passes) on stderr after PASS; repeat it, or give 'all'.",
                               valueName: "PASS")) var printAfter: [String] = []

    static var passNames: [String] { Pipeline.passNames + [PlanPipeline.loweringName] + PlanPipeline.passes.map(\.name) }

    func validate() throws {
        for p in printAfter where p != "all" && !Self.passNames.contains(p) {
            throw ValidationError("--print-after takes one of \(Self.passNames.joined(separator: ", ")) or all, not '\(p)'")
        }
    }

    func shouldPrint(_ pass: String) -> Bool { printAfter.contains(pass) || printAfter.contains("all") }

    func run() throws {
        try checkOutput()
        let diagnostics = Diagnostics()
        let result = Pipeline.compile(spec, options: CompileOptions(input: input), diagnostics: diagnostics) { pass, a in
            if shouldPrint(pass) { Terminal.printError("*** after \(pass) ***\n" + GraphReport.text(a)) }
        }
        try Terminal.report(diagnostics)
        guard let c = result else { throw ExitCode(1) }
        if explainCrops {
            return try Output.write(CropExplanation.all(c.graph).map(\.text).joined(separator: "\n\n") + "\n", to: output)
        }
        var plan = PlanPipeline.run(c, skipping: [ConvAlgorithmPass.name]) { pass, plan in
            if shouldPrint(pass) { Terminal.printError("*** after \(pass) ***\n" + PlanReport.text(plan)) }
        }
        ConvAlgorithmPass.run(&plan, mode: convAlgorithm)
        if shouldPrint(ConvAlgorithmPass.name) { Terminal.printError("*** after \(ConvAlgorithmPass.name) ***\n" + PlanReport.text(plan)) }
        if explainFusion { return try Output.write(PlanReport.fusionText(plan), to: output) }
        switch emit {
        case .text: try Output.write(PlanReport.text(plan), to: output)
        case .layers: try Output.write(SummaryReport(c).text(), to: output)
        case .json: try Output.write(PlanReport.json(plan), to: output)
        case .dot: try Output.write(DotReport.dot(plan), to: output)
        }
    }
}
