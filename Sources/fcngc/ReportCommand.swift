// `fcngc report SPEC [--input HxW] -o plan.html`: the plan as one self-contained HTML page
// for review (graph, steps, memory timeline, crop certificates, fusion decisions, totals).
// Graphviz draws the graph: `dot -Tsvg` runs here, as a subprocess; the page is assembled
// by FCNCompiler's HTMLReport. `Graphviz.svg` is shared with `fcngc diff --html`.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCompiler

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML page for reviewing a spec's plan.",
        discussion: "The page needs no network: the graph is inline SVG (drawn by Graphviz's `dot`), styles and the table-sorting script are inline. Open it in any browser or print it.")

    @Argument(help: "Model spec file.") var spec: String
    @Option(help: "Input size HxW (default: the spec's input.size, else 500x500).") var input: Pair?
    @Option(name: .shortAndLong, help: "The HTML file to write (atomically; '-' for stdout).") var output: String

    func run() throws {
        let diagnostics = Diagnostics()
        let result = Pipeline.compile(spec, options: CompileOptions(input: input), diagnostics: diagnostics)
        try Terminal.report(diagnostics)
        guard let c = result else { throw ExitCode(1) }
        let plan = PlanPipeline.run(c)
        let svg = try Graphviz.svg(ReportGraph.dot(plan))
        let sources = HTMLReport.specFiles(plan).compactMap { path -> HTMLReport.SpecSource? in
            (try? String(contentsOfFile: path, encoding: .utf8)).map { HTMLReport.SpecSource(path: path, text: $0) }
        }
        try Output.write(HTMLReport(plan: plan, compilation: c, graphSVG: svg, sources: sources).render(), to: output)
    }
}

enum Graphviz {
    /// Graphviz's `dot -Tsvg` on `dot` (found on PATH); a clear error if it is missing or fails.
    static func svg(_ dot: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["dot", "-Tsvg"]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        do { try p.run() } catch {
            Terminal.printError("error: cannot run Graphviz 'dot' (install the graphviz package; Scripts/setup.sh does): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        // Write and read concurrently: a large graph fills a pipe buffer either way.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box(), group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = stderr.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async {
            stdin.fileHandleForWriting.write(Data(dot.utf8))
            try? stdin.fileHandleForWriting.close()
            group.leave()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        guard p.terminationReason == .exit, p.terminationStatus == 0, !out.isEmpty else {
            let message = String(decoding: errBox.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            Terminal.printError("error: Graphviz 'dot -Tsvg' failed (status \(p.terminationStatus))" + (message.isEmpty ? "" : ": \(message)"))
            throw ExitCode(1)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
