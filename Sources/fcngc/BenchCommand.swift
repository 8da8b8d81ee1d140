// `fcngc bench`: placeholder, filled in by the benchmark work.

import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure kernels against the machine's sgemm (release builds).")
    func run() throws {}
}
