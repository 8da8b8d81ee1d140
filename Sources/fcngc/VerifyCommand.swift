// `fcngc verify SPEC (--weights W | --init random[:S]) [--input HxW]... [--batch N]`:
// the same model, weights and input through fcngc and through ONNX Runtime. Exports the
// model (dynamic size), makes a seeded random input, runs fcngc with every step's output
// kept, then onnx_verify.py (a resource of this executable, run by the .venv/bin/python of
// the working directory if there is one, else python3 or --python) checks the export with
// onnx.checker (full check), runs ONNX Runtime, and reports max|diff| / max|score|; above
// the tolerance it names the first layer that diverges.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime
import FCNONNX

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Cross-check fcngc against ONNX Runtime on the same weights and input.")

    @Argument(help: "Model spec file.") var spec: String
    @OptionGroup var weightOptions: WeightOptions
    @Option(help: "Input size HxW; repeat it to run one (dynamic-size) export at several sizes (default: the spec's input.size, else 500x500).")
    var input: [Pair] = []
    @Option(help: "Images in the batch.") var batch: Int = 1
    @Option(help: "Seed of the random input.") var seed: UInt64 = 1
    @Option(help: "Largest accepted max|diff| / max|score|.") var tolerance: Double = 1e-4
    @Option(help: "Convolutions: auto, gemm, winograd, winograd-f2x3, winograd-f6x3 (as for run).") var convAlgorithm: ConvAlgorithmPass.Mode = .auto
    @Option(help: "Python with onnx and onnxruntime (default: .venv/bin/python in the current directory, else python3).") var python: String?
    @Option(help: "Keep the exported model, input and outputs in DIR.") var keep: String?
    @Option(help: ArgumentHelp("Debugging: add an error of 1% of its largest value to LAYER's output, to see the check catch it.", visibility: .hidden))
    var injectFault: String?
    @Flag(help: "No phases or timings on stderr (the report on stdout is unchanged).") var quiet = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        Feedback.quiet = quiet
        let runner = ModelRunner(spec: spec, weights: weightOptions.choice)
        runner.convAlgorithm = convAlgorithm
        let fm = FileManager.default
        let dir = keep ?? fm.temporaryDirectory.appendingPathComponent("fcngc-verify-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if keep == nil { try? fm.removeItem(atPath: dir) } }
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        do {
            _ = try VerifierScript.path()   // before any work: a binary without its resources says so first
            let sizes = try input.isEmpty ? [runner.compilation(nil).input] : input
            // The model, exported once for any size.
            try AtomicFile.write(try ONNXExport.write(runner, input: nil, intermediates: false), to: path("model.onnx"))
            var failed: [String] = []
            var previous: Pair?
            for (index, size) in sizes.enumerated() {
                let tag = "\(size.h)x\(size.w)"
                // A seeded input, in the range of preprocessed images.
                let plan = try runner.plan(size)
                // One seeded tensor per input, in the range of preprocessed images.
                var rng = WeightRNG(seed: seed)
                let xs = plan.inputs.map { input in
                    let x = Tensor(shape: [batch] + input.shape)
                    for i in 0..<x.count { x.pointer[i] = Float(rng.nextUniform() * 255 - 128) }
                    return x
                }
                let inputFiles = plan.inputs.map { path("input-\(tag)-\($0.name).npy") }
                for (x, file) in zip(xs, inputFiles) { try NPY.write(x, to: file) }
                // fcngc, every step's output kept as steps-HxW/<layer>.npy.
                // The last size's build may drop each store tensor once packed or transformed (the
                // ONNX export above was the store's last other reader).
                let exe = try runner.executable(size, batch: batch, lastUse: index == sizes.count - 1)
                // Built while the previous size's executable still holds the packed and transformed
                // weights (shared, not made again); its arena goes before this one is used.
                if let previous { runner.releaseExecutable(previous, batch: batch) }
                previous = size
                let steps = path("steps-\(tag)")
                let outputs = try Feedback.phase("run fcngc at \(tag), every step kept") { try StepDump.run(exe, xs, to: steps, perturb: injectFault) }
                try NPY.write(outputs[0], to: path("fcngc-\(tag).npy"))
                // The report is one stream, stdout: this header, then the script's lines for this size.
                let shapes = zip(plan.outputs, outputs).map { "\($0.name) \($1.shape)" }.joined(separator: ", ")
                print("fcngc: \(spec) at \(tag), batch \(batch): \(plan.outputs.count == 1 ? "scores \(outputs[0].shape)" : "outputs \(shapes)"); ONNX Runtime on the same export:")
                fflush(stdout)
                let feeds = zip(plan.inputs, inputFiles).dropFirst().map { "\($0.name)=\($1)" }
                if !(try runPython(path("model.onnx"), inputFiles[0], path("fcngc-\(tag).npy"), steps, feeds: feeds)) { failed.append(tag) }
            }
            let n = sizes.count, plural = n == 1 ? "" : "s"
            print(failed.isEmpty ? "verify: OK at \(n) of \(n) size\(plural)"
                                 : "verify: FAILED at \(failed.count) of \(n) size\(plural) (\(failed.joined(separator: ", ")))")
            if !failed.isEmpty { throw ExitCode(1) }
        } catch let e as RuntimeError {
            Terminal.printError("error: \(e.message)")
            throw ExitCode(1)
        } catch is CompilationFailed {
            throw ExitCode(1)
        }
    }

    /// True when the script's checks passed.
    func runPython(_ model: String, _ input: String, _ expected: String, _ steps: String, feeds: [String]) throws -> Bool {
        let script = try VerifierScript.path()
        let venv = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
        let py = python ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env")
        var args = [script, model, input, expected, "--intermediates", steps, "--tolerance", String(tolerance)]
        for f in feeds { args += ["--feed", f] }
        if python == nil, py == "/usr/bin/env" { args.insert("python3", at: 0) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: py)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
