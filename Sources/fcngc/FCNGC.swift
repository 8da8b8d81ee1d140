// fcngc: the command-line front end. One file per subcommand; each is a thin layer over
// the FCNCompiler / FCNRuntime libraries.

import ArgumentParser

@main
struct FCNGC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fcngc",
        abstract: "A compiler for Fully Convolutional Networks described in YAML.",
        version: FCNGCVersion.text,
        subcommands: [CheckCommand.self, CompileCommand.self, DiffCommand.self, WeightsCommand.self, RunCommand.self, EvalCommand.self, ExportCommand.self, VerifyCommand.self, BenchCommand.self])
}
