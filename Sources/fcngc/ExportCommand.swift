// `fcngc export onnx SPEC [--weights W | --init random[:S]] [--input HxW] -o model.onnx`:
// the checked graph as an ONNX model (opset 17), crops and upsamplers exactly as fcngc
// computed them. Dynamic input size unless --input fixes one.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime
import FCNONNX

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export a model to other runtimes.",
                                                    subcommands: [ExportONNXCommand.self])
}

struct WeightOptions: ParsableArguments {
    @Option(help: "Weights (safetensors; F32, F16 or BF16).") var weights: String?
    @Option(help: "Random weights instead of a file: random or random:SEED.") var `init`: String?

    func validate() throws {
        if (weights == nil) == (`init` == nil) { throw ValidationError("give exactly one of --weights FILE or --init random[:SEED]") }
        if let i = `init`, WeightChoice.parseInit(i) == nil { throw ValidationError("--init takes random or random:SEED, not '\(i)'") }
    }

    var choice: WeightChoice { weights.map { .file($0) } ?? WeightChoice.parseInit(`init`!)! }
}

struct ExportONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "onnx", abstract: "Write an ONNX model (opset 17) with its weights.")

    @Argument(help: "Model spec file.") var spec: String
    @OptionGroup var weightOptions: WeightOptions
    @Option(help: "Fix the input size HxW (default: dynamic N, H and W; crops follow the reference sizes).") var input: Pair?
    @Flag(help: "Also expose every layer's output as a graph output (for layer-by-layer comparison).") var intermediates = false
    @Option(name: .shortAndLong, help: "Output .onnx file.") var output: String
    @Flag(help: "No phases or timings on stderr (errors and notes still print).") var quiet = false

    func run() throws {
        Feedback.quiet = quiet
        let runner = ModelRunner(spec: spec, weights: weightOptions.choice)
        do {
            let data = try ONNXExport.write(runner, input: input, intermediates: intermediates)
            try Feedback.phase("write \(output)", detail: { Format.bytes(data.count) }) { try AtomicFile.write(data, to: output) }
        } catch let e as RuntimeError {
            Terminal.printError("error: \(e.message)")
            throw ExitCode(1)
        } catch let e as ONNXExportError {
            Terminal.printError("error: \(e.description)")
            throw ExitCode(1)
        } catch is CompilationFailed {
            throw ExitCode(1)
        }
    }
}

extension ONNXExport {
    /// Compiles, loads weights, exports; prints the exporter's notes on stderr.
    static func write(_ runner: ModelRunner, input: Pair?, intermediates: Bool, batch: Int? = nil) throws -> Data {
        let c = try runner.compilation(input)
        let plan = try runner.plan(c.input)
        // A protobuf file holds at most 2 GB; external data is not written.
        let refs: [WeightRef] = plan.weightTable + plan.fixedUpsamplerTable
        var bytes = 0
        for ref in refs { bytes += ref.shape.reduce(4, *) }
        let limit = (1 << 31) - (64 << 20)
        if bytes > limit {
            throw RuntimeError("the model's weights take \(Format.bytes(bytes)); an ONNX file holds at most 2 GB (external data is not supported)")
        }
        if input == nil, !c.validSizes.everySizeValid || c.validSizes.smallest != [1, 1] {
            Terminal.printError("note: the export accepts any size, but fcngc accepts only: \(c.validSizes.summary); elsewhere ONNX's Slice clamps crops silently")
        }
        let store = try runner.loadWeights(for: plan)
        let export = try Feedback.phase("build the ONNX graph") {
            try ONNXExporter.build(compilation: c, weights: ONNXTensorLookup { store[$0] },
                                   options: ONNXExportOptions(dynamic: input == nil, exposeIntermediates: intermediates, batch: batch))
        }
        for note in export.notes { Terminal.printError("note: \(note)") }
        return try Feedback.phase("serialize") { try export.serializedData() }
    }
}
