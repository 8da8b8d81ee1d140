// `fcngc eval PRED_DIR GT_DIR [--classes N | --spec SPEC]`: pixel accuracy, mean accuracy,
// mean IU and frequency-weighted IU over label PNGs matched by file name (label 255 ignored),
// as the reference score.py computes them, then a per-class table (IU, accuracy, pixels),
// with the class names of SPEC's `classes:` when --spec is given.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Score predicted label maps against ground truth.")

    @Argument(help: "Directory of predicted label PNGs.") var predictions: String
    @Argument(help: "Directory of ground-truth label PNGs (same file names).") var groundTruth: String
    @Option(help: "Number of classes (labels 0..N-1 count; others, e.g. 255, are ignored). Default: the spec's, else 21.") var classes: Int?
    @Option(help: "Model spec whose `classes:` give the number of classes and their names.") var spec: String?
    @Option(help: "Output: text or json.") var emit: String = "text"

    func run() throws {
        var names: [String]?
        var classes = self.classes ?? 21
        if let spec {
            let diagnostics = Diagnostics()
            let model = SpecLoader(diagnostics: diagnostics, catalog: OpRegistry.catalog).load(spec)
            try Terminal.report(diagnostics)
            guard let count = model?.classes?.value else {
                Terminal.printError("error: \(spec): the spec has no 'classes'")
                throw ExitCode(1)
            }
            if let given = self.classes, given != count {
                throw ValidationError("--classes \(given) disagrees with \(spec), which has \(count) classes")
            }
            classes = count
            names = model?.classNames
        }
        guard classes >= 1, classes <= 255 else { throw ValidationError("--classes must be in 1...255") }
        var matrix = ConfusionMatrix(classes: classes)
        do {
            let truthFiles = try FileManager.default.contentsOfDirectory(atPath: groundTruth).filter { $0.lowercased().hasSuffix(".png") }.sorted()
            guard !truthFiles.isEmpty else { throw RuntimeError(file: groundTruth, "no .png label files") }
            var missing: [String] = []
            for f in truthFiles {
                let predPath = (predictions as NSString).appendingPathComponent(f)
                guard FileManager.default.fileExists(atPath: predPath) else { missing.append(f); continue }
                let truth = try LabelPNG.read(path: (groundTruth as NSString).appendingPathComponent(f))
                let pred = try LabelPNG.read(path: predPath)
                guard truth.width == pred.width, truth.height == pred.height else {
                    throw RuntimeError(file: predPath, "is \(pred.width)x\(pred.height) but its ground truth is \(truth.width)x\(truth.height)")
                }
                if let bad = matrix.add(truth: truth.labels, prediction: pred.labels) {
                    throw RuntimeError(file: predPath, "predicts label \(bad), outside the \(classes) classes")
                }
            }
            if !missing.isEmpty { throw RuntimeError(file: predictions, "no prediction for \(missing.count) ground-truth files", details: Array(missing.prefix(10))) }
        } catch let e as RuntimeError {
            Terminal.printError("error: \(e.message)")
            throw ExitCode(1)
        }
        let s = matrix.scores
        if emit == "json" { return print(try jsonString(EvalReport(scores: s, classNames: names)), terminator: "") }
        print(String(format: "pixel accuracy        %.4f", s.pixelAccuracy))
        print(String(format: "mean accuracy         %.4f", s.meanAccuracy))
        print(String(format: "mean IU               %.4f", s.meanIU))
        print(String(format: "frequency-weighted IU %.4f", s.frequencyWeightedIU))
        print("pixels counted        \(s.pixels)")
        print("\n" + EvalReport.perClassTable(matrix, names: names))
    }
}
