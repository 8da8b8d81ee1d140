// `fcngc import caffe`, start to end:
//   read        prototxt (and caffemodel) with the generated caffe.proto subset
//   import      Caffe layers -> ImportedNet (NetImporter, CaffeLayerMapping)
//   audit       every written crop offset against the compiler's derivation (CropAudit)
//   limits      what the spec language cannot express (SpecLimits)
//   upsamplers  fixed bilinear or learned, from the caffemodel's blobs or the prototxt
//   write spec  inputs, backbones (streams) + head if recognised, else an explicit graph, outputs (SpecWriter)
//   verify      the spec, compiled in a scratch directory, must be the prototxt's net
//   weights     blobs -> tensors the compiled plan reads, every shape checked
//   output      weights, backbone file, spec; on any error nothing is left behind

import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

public struct CaffeImportOptions: Sendable {
    public var prototxt: String
    public var caffemodel: String?
    public var output: String
    public var weightsOutput: String?
    /// Write the spec even where a written offset disagrees with the derived one.
    public var acceptDerived = false
    /// Preprocessing the prototxt does not carry (a deploy.prototxt has no mean).
    public var mean: [Double]?
    public var order = "bgr"
    public var name: String?
    /// The backbones recognised in a net (the tests add tiny ones).
    var backboneCatalog = BackboneCatalog.all

    public init(prototxt: String, output: String) {
        self.prototxt = prototxt
        self.output = output
    }
}

public struct CaffeImportResult: Sendable {
    public var audit: CropAudit
    public var notes: [String]
    /// Files written, in order.
    public var written: [String]
    /// "backbone backbones/vgg16.yaml, head with 3 steps" or "explicit graph of 40 layers".
    public var form: String
    public var compilation: Compilation
}

public enum CaffeImporter {
    /// Runs the import. `auditReport` gets the audit table as soon as it exists, so it is
    /// shown even when the import then fails.
    public static func run(_ o: CaffeImportOptions, auditReport: (String) -> Void) throws -> CaffeImportResult {
        let outDir = (o.output as NSString).deletingLastPathComponent   // "" for the current directory
        var isDir: ObjCBool = false
        guard outDir.isEmpty || (FileManager.default.fileExists(atPath: outDir, isDirectory: &isDir) && isDir.boolValue) else {
            throw CaffeImportError(.io, "cannot write the output: directory '\(outDir)' does not exist", file: o.output)
        }
        let file = try CaffeNetFile.readPrototxt(o.prototxt)
        var net = try NetImporter(file: file).run()
        var notes = net.notes

        let audit = CropAudit.run(net)
        auditReport(audit.text(prototxt: o.prototxt))
        if !audit.diagnostics.isEmpty { throw CaffeCompileFailed(diagnostics: audit.diagnostics) }
        let bad = audit.disagreements
        if !bad.isEmpty {
            let errors = bad.map { r in
                CaffeImportError(.offsetDisagrees,
                    "crop '\(r.crop)' has offset \(CropAudit.show(r.written)) in the prototxt, but the coordinate maps give \(CropAudit.show(r.derived)) (derivation above)",
                    at: r.location)
            }
            if !o.acceptDerived { throw CaffeImportErrors(errors: errors) }
            notes += bad.map { "crop '\($0.crop)': the prototxt says \(CropAudit.show($0.written)); the spec, like every fcngc spec, uses the derived \(CropAudit.show($0.derived)) (--accept-derived)" }
        }
        let limits = SpecLimits.check(net)
        if !limits.isEmpty { throw CaffeImportErrors(errors: limits) }

        let weights = try o.caffemodel.map { CaffeWeights(try CaffeNetFile.readCaffemodel($0)) }
        notes += try settleUpsamplersAndScales(&net, weights)

        let base = URL(fileURLWithPath: o.output).deletingPathExtension().lastPathComponent
        let writer = SpecWriter(net: net, name: o.name ?? base, inputs: specInputs(net, o, &notes),
                                header: ["Imported by `fcngc import caffe` from \(URL(fileURLWithPath: o.prototxt).lastPathComponent).",
                                         "Crop offsets are derived by fcngc, never written (`fcngc compile --explain-crops`)."])
        let staged = try StagedSpec.first(of: forms(net, outDir: outDir, catalog: o.backboneCatalog), writer: writer, net: net, audit: audit,
                                          fileName: URL(fileURLWithPath: o.output).lastPathComponent,
                                          input: net.inputs[0].size)
        notes += staged.warnings

        // Weights: every tensor the compiled plan reads.
        var tensors: [(name: String, tensor: Tensor)] = []
        var weightsPath: String?
        if let weights {
            let plan = PlanPipeline.run(staged.compilation)
            tensors = try weights.tensors(for: plan.weightTable)
            weightsPath = o.weightsOutput ?? (outDir as NSString).appendingPathComponent(base + ".safetensors")
        }
        let written = try OutputFiles.write(spec: (o.output, staged.text),
                                            backbones: staged.backboneFiles.map { ((outDir as NSString).appendingPathComponent($0.path), $0.text) },
                                            weights: weightsPath.map { ($0, tensors) },
                                            metadata: ["source": "fcngc import caffe", "caffemodel": o.caffemodel.map { URL(fileURLWithPath: $0).lastPathComponent } ?? ""])
        return CaffeImportResult(audit: audit, notes: notes, written: written, form: staged.form, compilation: staged.compilation)
    }

    /// Each deconvolution becomes a fixed bilinear upsampler or a learned one; each Scale takes
    /// its caffemodel factor. Returns notes on what was assumed.
    static func settleUpsamplersAndScales(_ net: inout ImportedNet, _ weights: CaffeWeights?) throws -> [String] {
        var assumed: [String] = []
        for i in net.layers.indices {
            let l = net.layers[i]
            switch l.op {
            case .deconv:
                let fixed: Bool
                if let w = weights, let f = w.isFixedBilinear(l) {
                    fixed = f
                } else {
                    fixed = l.frozen && !l.params.bias && l.params.group == 1
                    if fixed { assumed.append(l.name) }
                }
                net.layers[i].params.upsampler = fixed ? .fixedBilinear : .learned
                net.layers[i].params.learn = !fixed
            case .scale:
                if let v = try weights?.scaleValue(l) { net.layers[i].params.value = v }
            case .conv, .relu, .pool, .lrn, .dropout, .crop, .sum, .concat:
                break
            }
        }
        return assumed.isEmpty ? [] : ["fixed bilinear upsamplers assumed (lr_mult 0 in the prototxt, no caffemodel to check): \(assumed.joined(separator: ", "))"]
    }

    /// The forms to try, best first: the shipped backbones (+ head) if the net starts with them,
    /// then a plain graph.
    static func forms(_ net: ImportedNet, outDir: String, catalog: [BackboneCatalog.Entry]) throws -> [SpecForm] {
        var out: [SpecForm] = []
        let streams = try BackboneMatcher.match(net, catalog: catalog)
        if !streams.isEmpty {
            var form = SpecForm(streams: streams)
            // A backbone file beside the output that is not the shipped one: inline the backbone
            // (one plain stream), else write the plain graph.
            let differs = streams.contains { s in
                let beside = ((outDir.isEmpty ? "." : outDir) as NSString).appendingPathComponent(s.entry.file)
                let existing = FileManager.default.contents(atPath: beside).map { String(decoding: $0, as: UTF8.self) }
                return existing != nil && existing != s.entry.text + "\n"
            }
            if differs { form.inlineBackbone = true }
            if form.isPlainBackbone(inputs: net.inputs.count) {
                form.head = HeadRecognizer(net: net, backbone: streams[0].layers).recognize()
                out.append(form)
            } else if !differs {
                out.append(form)
            }
        }
        out.append(SpecForm())
        return out
    }
}
