// `fcngc check SPEC...`: diagnostics only. Checks every spec given (all of them, even
// after one fails) at its example input size, and exits 1 if any has an error.

import ArgumentParser
import FCNSpec
import FCNCompiler
import FCNPlan

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Check specs and print diagnostics.")

    @Argument(help: "Model spec files.") var specs: [String]
    @Option(help: "Input size HxW to check shapes at (default: the spec's input.size, else 500x500).") var input: Pair?

    func run() throws {
        let diagnostics = Diagnostics()
        var failed = false
        for spec in specs {
            let d = Diagnostics()
            if Pipeline.compile(spec, options: CompileOptions(input: input), diagnostics: d) == nil || d.hasErrors { failed = true }
            for x in d.all { diagnostics.add(x) }
            if !d.hasErrors { print("\(spec): ok") }
        }
        try Terminal.report(diagnostics)
        if failed { throw ExitCode(1) }
    }
}
