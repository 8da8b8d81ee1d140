// `fcngc compile SPEC [--input HxW] [--emit text|json] [--explain-crops] [-o FILE]`.

import ArgumentParser
import FCNSpec
import FCNCompiler

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compile", abstract: "Compile a spec and print its layer table.")

    enum Emit: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Model spec file.") var spec: String
    @Option(help: "Input size HxW (default: the spec's input.size, else 500x500).") var input: Pair?
    @Option(help: "Output format: text or json.") var emit: Emit = .text
    @Flag(help: "Show, for every crop, the coordinate maps that give its offset.") var explainCrops = false
    @Option(name: .shortAndLong, help: "Write to FILE (atomically) instead of stdout.") var output: String?

    func run() throws {
        let diagnostics = Diagnostics()
        let result = Pipeline.compile(spec, options: CompileOptions(input: input), diagnostics: diagnostics)
        try Terminal.report(diagnostics)
        guard let c = result else { throw ExitCode(1) }
        if explainCrops {
            try Output.write(CropExplanation.all(c.graph).map(\.text).joined(separator: "\n\n") + "\n", to: output)
            return
        }
        let report = SummaryReport(c)
        try Output.write(emit == .json ? report.json() : report.text(), to: output)
    }
}
