// `fcngc import caffe NET.prototxt [--caffemodel M] -o NET.yaml [--weights-out W.safetensors]
// [--accept-derived] [--mean B,G,R] [--order bgr|rgb] [--name N]`: a Caffe net as a spec (and
// its weights as safetensors). Prints every written crop offset beside the derived one.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCaffe

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a model from another framework.",
                                                    subcommands: [ImportCaffeCommand.self])
}

struct ImportCaffeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caffe",
        abstract: "Import a Caffe prototxt (and caffemodel) as a spec (and safetensors weights).",
        discussion: """
        Every crop offset written in the prototxt is printed next to the offset fcngc derives;
        a disagreement is an error (exit 1) unless --accept-derived. Nothing is written on any error.
        """)

    @Argument(help: "The net: deploy.prototxt, or a val/test prototxt with Python data layers.") var prototxt: String
    @Option(help: "Trained weights (.caffemodel).") var caffemodel: String?
    @Option(name: .shortAndLong, help: "The spec to write (.yaml).") var output: String
    @Option(help: "The weights to write (default: the spec's name with .safetensors; needs --caffemodel).") var weightsOut: String?
    @Flag(help: "Write the spec even where a written crop offset disagrees with the derived one.") var acceptDerived = false
    @Option(help: "Mean per channel, comma-separated, when the prototxt carries none (B,G,R for Caffe nets).") var mean: String?
    @Option(help: "Channel order of the input: bgr (Caffe's) or rgb.") var order: String = "bgr"
    @Option(help: "The model's name (default: the output file's name).") var name: String?

    func validate() throws {
        if weightsOut != nil, caffemodel == nil { throw ValidationError("--weights-out needs --caffemodel") }
        if !["bgr", "rgb"].contains(order) { throw ValidationError("--order takes bgr or rgb, not '\(order)'") }
        if let mean, parsedMean(mean) == nil { throw ValidationError("--mean takes numbers separated by commas, not '\(mean)'") }
    }

    func parsedMean(_ s: String) -> [Double]? {
        let v = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        return v.isEmpty || v.contains(nil) ? nil : v.compactMap { $0 }
    }

    func run() throws {
        var o = CaffeImportOptions(prototxt: prototxt, output: output)
        o.caffemodel = caffemodel
        o.weightsOutput = weightsOut
        o.acceptDerived = acceptDerived
        o.mean = mean.flatMap(parsedMean)
        o.order = order
        o.name = name
        do {
            let r = try CaffeImporter.run(o) { print($0); fflush(stdout) }
            for n in r.notes { Terminal.printError("note: \(n)") }
            let c = r.compilation
            let outputs = c.graph.outputs.count == 1 ? "output \(c.shapes[c.graph.output])"
                : "outputs " + c.graph.outputs.map { "\(c.graph[$0].name) \(c.shapes[$0])" }.joined(separator: ", ")
            let inputs = c.spec.inputs.count == 1 ? "input" : "inputs " + c.spec.inputs.map(\.name).joined(separator: ", ") + " at"
            print("wrote \(r.written.joined(separator: ", ")): \(r.form); \(inputs) \(c.input.h)x\(c.input.w) -> \(outputs)")
        } catch let e as CaffeImportError {
            Terminal.printError(e.description)
            throw ExitCode(1)
        } catch let e as CaffeImportErrors {
            Terminal.printError(e.description + "\n\(e.errors.count) error\(e.errors.count == 1 ? "" : "s") generated.")
            throw ExitCode(1)
        } catch let e as CaffeCompileFailed {
            let d = Diagnostics()
            for x in e.diagnostics { d.add(x) }
            try Terminal.report(d)
            throw ExitCode(1)
        }
    }
}
