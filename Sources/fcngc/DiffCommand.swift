// `fcngc diff A.yaml B.yaml [--input HxW]`: what changes between two variants. Exit status
// as diff(1): 0 same, 1 different; errors in either spec: 2.

import ArgumentParser
import FCNSpec
import FCNCompiler
import FCNPlan

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Compare the compiled plans of two specs.")

    @Argument(help: "The old spec.") var a: String
    @Argument(help: "The new spec.") var b: String
    @Option(help: "Input size HxW (default: each spec's input.size, else 500x500).") var input: Pair?
    @Option(help: "Output: text or json.") var emit: String = "text"

    func run() throws {
        let diagnostics = Diagnostics()
        let ca = Pipeline.compile(a, options: CompileOptions(input: input), diagnostics: diagnostics)
        let cb = Pipeline.compile(b, options: CompileOptions(input: input), diagnostics: diagnostics)
        do { try Terminal.report(diagnostics) } catch { throw ExitCode(2) }
        guard let ca, let cb else { throw ExitCode(2) }
        let diff = PlanDiff(PlanPipeline.run(ca), PlanPipeline.run(cb))
        if emit == "json" { print(try jsonString(diff), terminator: "") } else { print(diff.text, terminator: "") }
        // Like diff(1): 0 when the two are the same, 1 when they differ (2 is an error).
        if !diff.isEmpty { throw ExitCode(1) }
    }
}
