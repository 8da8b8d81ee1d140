// `fcngc diff A.yaml B.yaml [--input HxW] [--html -o diff.html]`: what changes between two
// variants, as text, JSON, or a self-contained HTML page (both plans side by side). Exit
// status as diff(1): 0 same, 1 different; errors in either spec (or in writing): 2.

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
    @Flag(help: "Write an HTML page: both plans side by side, changes highlighted (needs Graphviz's dot).") var html = false
    @Option(name: .shortAndLong, help: "Write to FILE (atomically) instead of stdout.") var output: String?

    func validate() throws {
        if html, emit != "text" { throw ValidationError("--html writes a page; --emit \(emit) is for the text diff: use one or the other") }
    }

    func run() throws {
        let diagnostics = Diagnostics()
        let ca = Pipeline.compile(a, options: CompileOptions(input: input), diagnostics: diagnostics)
        let cb = Pipeline.compile(b, options: CompileOptions(input: input), diagnostics: diagnostics)
        do { try Terminal.report(diagnostics) } catch { throw ExitCode(2) }
        guard let ca, let cb else { throw ExitCode(2) }
        let (pa, pb) = (PlanPipeline.run(ca), PlanPipeline.run(cb))
        let diff = PlanDiff(pa, pb)
        do {
            if html {
                let marks = HTMLDiffReport.marks(pa, pb)
                let page = HTMLDiffReport(a: pa, b: pb, graphA: try Graphviz.svg(ReportGraph.dot(pa, prefix: "a-", marks: marks.a)),
                                          graphB: try Graphviz.svg(ReportGraph.dot(pb, prefix: "b-", marks: marks.b)))
                try Output.write(page.render(), to: output)
            } else {
                try Output.write(emit == "json" ? try jsonString(diff) : diff.text, to: output)
            }
        } catch {
            throw ExitCode(2)   // Graphviz or the output file; the message is printed
        }
        // Like diff(1): 0 when the two are the same, 1 when they differ (2 is an error).
        if !diff.isEmpty { throw ExitCode(1) }
    }
}
