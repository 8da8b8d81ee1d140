// The written spec is checked before anything is written: each form (backbone + head, then
// a plain graph) is written to a scratch directory laid out like the output's, compiled by
// the real pipeline, and its graph compared with the prototxt's (GraphSignature). The first
// form that compiles to the same net is the one written. Backbone recognition works the same
// way (BackboneMatcher): the shipped backbone is compiled and must be a part of the prototxt's net.

import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

/// A scratch directory, removed when the value is released.
final class ScratchDirectory {
    let path: String
    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fcngc-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func write(_ text: String, to relative: String) throws -> String {
        let p = (path as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct StagedSpec {
    var text: String
    /// The backbone files to write beside the spec (relative path, text), each once.
    var backboneFiles: [(path: String, text: String)]
    var compilation: Compilation
    var form: String
    var warnings: [String]

    static func first(of forms: [SpecForm], writer: SpecWriter, net: ImportedNet, audit: CropAudit,
                      fileName: String, input: Pair?) throws -> StagedSpec {
        let expected = GraphSignature.of(CropAudit.run(net).graph)
        var failures: [String] = []
        for form in forms {
            let scratch = try ScratchDirectory()
            let text = writer.text(form)
            let path = try scratch.write(text, to: fileName)
            var backbones: [(path: String, text: String)] = []
            if !form.inlineBackbone {
                for s in form.streams where !backbones.contains(where: { $0.path == s.entry.file }) {
                    backbones.append((s.entry.file, s.entry.text + "\n"))
                    _ = try scratch.write(s.entry.text + "\n", to: s.entry.file)
                }
            }
            let diagnostics = Diagnostics()
            let printer = DiagnosticPrinter(colour: false)
            func shown(_ d: Diagnostic) -> String {
                printer.render(d).replacingOccurrences(of: scratch.path + "/", with: "")
            }
            // Valid sizes only up to 64: the check is about the graph, and `compile` proves sizes later.
            var options = CompileOptions(input: input)
            options.sizeLimit = 64
            guard let c = Pipeline.compile(path, options: options, diagnostics: diagnostics) else {
                failures += diagnostics.errors.map(shown)
                continue
            }
            if let diff = GraphSignature.difference(expected, GraphSignature.of(c.graph)) {
                failures.append(diff)
                continue
            }
            let outputs = c.graph.outputs.map { c.graph[$0].name }
            guard outputs == net.outputs else {
                failures.append("outputs: prototxt \(net.outputs.joined(separator: ", ")); spec \(outputs.joined(separator: ", "))")
                continue
            }
            let rest = net.layers.count - form.backboneLayers.count
            var desc = form.description
            if let h = form.head {
                desc += ", head with \(h.steps.count) step\(h.steps.count == 1 ? "" : "s")"
            } else if rest > 0 {
                desc += (desc.isEmpty ? "" : ", ") + "graph of \(rest) layer\(rest == 1 ? "" : "s")"
            }
            return StagedSpec(text: text, backboneFiles: backbones, compilation: c, form: desc,
                              warnings: diagnostics.warnings.map(shown))
        }
        throw CaffeImportError(.internalMismatch, "the spec fcngc wrote does not compile to the prototxt's net (a bug in the importer; please report it)",
                               file: writer.net.inputs.first?.location.file, notes: failures)
    }
}

enum OutputFiles {
    /// Writes weights, backbone (unless an identical file is there) and spec, each atomically;
    /// if one fails, the ones already written are removed. Returns the paths written.
    static func write(spec: (String, String), backbones: [(String, String)], weights: (String, [(name: String, tensor: Tensor)])?,
                      metadata: [String: String]) throws -> [String] {
        let fm = FileManager.default
        var created: [String] = []
        var createdDir: String?
        do {
            if let (path, tensors) = weights {
                try SafetensorsWriter.write(tensors, to: path, metadata: metadata)
                created.append(path)
            }
            for (path, text) in backbones where fm.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) != text {
                let dir = (path as NSString).deletingLastPathComponent
                if !fm.fileExists(atPath: dir) {
                    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    createdDir = dir
                }
                try AtomicFile.write(Data(text.utf8), to: path)
                created.append(path)
            }
            try AtomicFile.write(Data(spec.1.utf8), to: spec.0)
            created.append(spec.0)
            return created
        } catch {
            for p in created { try? fm.removeItem(atPath: p) }
            if let d = createdDir { try? fm.removeItem(atPath: d) }
            let message = (error as? RuntimeError)?.message ?? "\(error.localizedDescription)"
            throw CaffeImportError(.io, "cannot write the output: \(message)", file: nil)
        }
    }
}
