// Several inputs and outputs: tiny nets shaped like the paper's SIFT Flow (one trunk, two heads,
// two outputs), NYUD color-D (two inputs concatenated) and NYUD color-HHA (two streams of one
// backbone under suffixes, summed with coefficients), each with Python data layers as in the
// paper's test prototxts. Each is imported with a caffemodel written here through the
// generated Caffe code, compiled from where it was written, run by the interpreter, and
// compared output by output with the same net written directly and run by the naive evaluator.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNRuntime
import FCNTestSupport
@testable import FCNCaffe

final class MultiIOImportTests: XCTestCase {
    static func conv(_ name: String, _ bottom: String, out: Int, kernel: Int = 1, pad: Int = 0) -> String {
        "layer { name: \"\(name)\" type: \"Convolution\" bottom: \"\(bottom)\" top: \"\(name)\" convolution_param { num_output: \(out) kernel_size: \(kernel) pad: \(pad) } }\n"
    }
    static func relu(_ name: String, _ blob: String) -> String {
        "layer { name: \"\(name)\" type: \"ReLU\" bottom: \"\(blob)\" top: \"\(blob)\" }\n"
    }
    static func pool(_ name: String, _ bottom: String) -> String {
        "layer { name: \"\(name)\" type: \"Pooling\" bottom: \"\(bottom)\" top: \"\(name)\" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n"
    }
    static func upsample(_ name: String, _ bottom: String, out: Int) -> String {
        "layer { name: \"\(name)\" type: \"Deconvolution\" bottom: \"\(bottom)\" top: \"\(name)\" param { lr_mult: 0 } convolution_param { num_output: \(out) bias_term: false kernel_size: 4 stride: 2 } }\n"
    }
    static func crop(_ name: String, _ bottom: String, like: String, offset: Int) -> String {
        "layer { name: \"\(name)\" type: \"Crop\" bottom: \"\(bottom)\" bottom: \"\(like)\" top: \"\(name)\" crop_param { axis: 2 offset: \(offset) } }\n"
    }
    static func loss(_ name: String, _ score: String, _ label: String) -> String {
        "layer { name: \"\(name)\" type: \"SoftmaxWithLoss\" bottom: \"\(score)\" bottom: \"\(label)\" top: \"\(name)\" }\n"
    }

    /// SIFT Flow in miniature: tops data, sem, geo; two heads of 5 and 3 classes.
    static let siftflow = """
        name: "tiny-siftflow"
        layer { name: "data" type: "Python" top: "data" top: "sem" top: "geo"
                python_param { module: "siftflow_layers" layer: "SIFTFlowSegDataLayer" param_str: "{'seed': 1337, 'mean': (104.00699, 116.66877, 122.67892), 'split': 'test'}" } }

        """ + conv("conv1", "data", out: 4, kernel: 3, pad: 5) + relu("relu1", "conv1") + pool("pool1", "conv1")
        + conv("score_fr_sem", "pool1", out: 5) + upsample("upscore_sem", "score_fr_sem", out: 5)
        + crop("score_sem", "upscore_sem", like: "data", offset: 5) + loss("loss", "score_sem", "sem")
        + conv("score_fr_geo", "pool1", out: 3) + upsample("upscore_geo", "score_fr_geo", out: 3)
        + crop("score_geo", "upscore_geo", like: "data", offset: 5) + loss("loss_geo", "score_geo", "geo")

    static let siftflowDirect = """
        name: direct
        input: {channels: 3}
        graph:
          - {conv: conv1, from: input, out: 4, kernel: 3, pad: 5, relu: relu1}
          - {pool: pool1, kernel: 2, stride: 2}
          - {conv: score_fr_sem, out: 5, kernel: 1}
          - {deconv: upscore_sem, stride: 2, out: 5}
          - {crop: score_sem, like: input}
          - {conv: score_fr_geo, from: pool1, out: 3, kernel: 1}
          - {deconv: upscore_geo, stride: 2, out: 3}
          - {crop: score_geo, like: input}
        outputs: [score_sem, score_geo]

        """

    /// NYUD color-D in miniature: tops color, depth, label; the two concatenated to 4 channels.
    static let colorD = """
        name: "tiny-color-d"
        layer { name: "color" type: "Python" top: "color" top: "depth" top: "label"
                python_param { module: "nyud_layers" layer: "NYUDSegDataLayer" param_str: "{'tops': ['color', 'depth', 'label'], 'seed': 1337, 'split': 'test'}" } }
        layer { name: "data" type: "Concat" bottom: "color" bottom: "depth" top: "data" }

        """ + conv("conv1_bgrd", "data", out: 4, kernel: 3, pad: 5) + relu("relu1", "conv1_bgrd") + pool("pool1", "conv1_bgrd")
        + conv("score_fr", "pool1", out: 3) + upsample("upscore", "score_fr", out: 3)
        + crop("score", "upscore", like: "data", offset: 5) + loss("loss", "score", "label")

    static let colorDDirect = """
        name: direct
        inputs:
          color: {channels: 3}
          depth: {channels: 1}
        graph:
          - {concat: data, from: [color, depth]}
          - {conv: conv1_bgrd, out: 4, kernel: 3, pad: 5, relu: relu1}
          - {pool: pool1, kernel: 2, stride: 2}
          - {conv: score_fr, out: 3, kernel: 1}
          - {deconv: upscore, stride: 2, out: 3}
          - {crop: score, like: data}

        """

    /// A tiny backbone, recognised as the VGG16 streams of color-HHA are.
    static let tinyStream = BackboneCatalog.Entry(name: "tinystream", text: """
        # conv, ReLU, pool: a stream in miniature.
        name: tinystream
        layers:
          - {conv: conv1, out: 4, kernel: 3, pad: 5, relu: relu1}
          - {pool: pool1, kernel: 2, stride: 2}
        """)

    /// NYUD color-HHA in miniature: tops color, hha, label; a stream per input, names suffixed
    /// as the paper's (`conv1color`, `conv1hha`), late fusion by a sum with coefficients.
    static let colorHHA = """
        name: "tiny-color-hha"
        layer { name: "color" type: "Python" top: "color" top: "hha" top: "label"
                python_param { module: "nyud_layers" layer: "NYUDSegDataLayer" param_str: "{'tops': ['color', 'hha', 'label'], 'seed': 1337, 'split': 'test'}" } }

        """ + conv("conv1color", "color", out: 4, kernel: 3, pad: 5) + relu("relu1color", "conv1color") + pool("pool1color", "conv1color")
        + conv("score_frcolor", "pool1color", out: 3)
        + conv("conv1hha", "hha", out: 4, kernel: 3, pad: 5) + relu("relu1hha", "conv1hha") + pool("pool1hha", "conv1hha")
        + conv("score_frhha", "pool1hha", out: 3)
        + "layer { name: \"score_fused\" type: \"Eltwise\" bottom: \"score_frcolor\" bottom: \"score_frhha\" top: \"score_fused\" eltwise_param { operation: SUM coeff: 0.5 coeff: 0.5 } }\n"
        + upsample("upscore", "score_fused", out: 3) + crop("score", "upscore", like: "color", offset: 5) + loss("loss", "score", "label")

    static let colorHHADirect = """
        name: direct
        inputs:
          color: {channels: 3}
          hha: {channels: 3}
        graph:
          - {conv: conv1color, from: color, out: 4, kernel: 3, pad: 5, relu: relu1color}
          - {pool: pool1color, kernel: 2, stride: 2}
          - {conv: score_frcolor, out: 3, kernel: 1}
          - {conv: conv1hha, from: hha, out: 4, kernel: 3, pad: 5, relu: relu1hha}
          - {pool: pool1hha, kernel: 2, stride: 2}
          - {conv: score_frhha, out: 3, kernel: 1}
          - {sum: score_fused, from: [score_frcolor, score_frhha], coefficients: [0.5, 0.5]}
          - {deconv: upscore, stride: 2, out: 3}
          - {crop: score, like: color}

        """

    /// Random blobs for the convolutions, the fixed bilinear kernel for each upsampler.
    static func weights(_ layers: [(String, [[Int]])], seed: UInt64) -> CaffemodelImportTests.Tiny {
        var seed = seed, t = CaffemodelImportTests.Tiny()
        for (layer, shapes) in layers {
            var bs: [Caffe_BlobProto] = []
            for (i, s) in shapes.enumerated() {
                let v = layer.hasPrefix("upscore") ? Kernels.bilinearWeights(kernelH: 4, kernelW: 4, channels: s[0])
                    : ImportSupport.random(s.reduce(1, *), seed: &seed)
                t.arrays["\(layer).\(i == 0 ? "weight" : "bias")"] = v
                bs.append(ImportSupport.blob(s, v))
            }
            t.blobs.append((layer, bs))
        }
        return t
    }

    /// Imports `prototxt` with `tiny`'s caffemodel; compiles the written spec at 20x20 and runs
    /// it with the interpreter; runs `direct` with the naive evaluator on the same inputs;
    /// checks every output. Returns the written spec and the files written.
    func importAndCompare(_ prototxt: String, _ tiny: CaffemodelImportTests.Tiny, direct: String, inputChannels: [Int],
                          catalog: [BackboneCatalog.Entry] = BackboneCatalog.all) throws -> (spec: String, files: [String], notes: [String]) {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(prototxt, dir, "net.prototxt")
        let model = (dir as NSString).appendingPathComponent("net.caffemodel")
        try ImportSupport.caffemodel(tiny.blobs, v1: false).write(to: URL(fileURLWithPath: model))
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        var o = CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("net.yaml"))
        o.caffemodel = model
        o.backboneCatalog = catalog
        let (audit, result, error) = ImportSupport.run(o)
        XCTAssertNil(error)
        XCTAssertFalse(audit.contains("DISAGREES"), audit)
        let r = try XCTUnwrap(result)

        // The written spec, compiled from where it was written, with the written weights.
        let d = Diagnostics()
        let imported = try XCTUnwrap(Pipeline.compile(o.output, options: CompileOptions(input: Pair(20)), diagnostics: d),
                                     DiagnosticPrinter(colour: false).render(d.all))
        let plan = PlanPipeline.run(imported)
        let store = try WeightStore.load(path: (outDir as NSString).appendingPathComponent("net.safetensors"),
                                         expected: plan.weightTable, optional: plan.optionalWeightTable)
        XCTAssertEqual(Set(store.names), Set(tiny.arrays.keys.filter { !$0.hasPrefix("upscore") }))
        var rng = SplitMix64(seed: 7)
        let inputs = inputChannels.map { NaiveTensor.random(shape: [1, $0, 20, 20], in: -1...1, using: &rng) }
        let got = try Executable(plan: plan, weights: store).run(inputs: inputs.map { $0.toTensor() })

        let c = try XCTUnwrap(Pipeline.compile(try ImportSupport.write(direct, dir, "direct.yaml"), options: CompileOptions(input: Pair(20)), diagnostics: d))
        let all = NaiveGraph.run(c.graph, inputs: inputs) { tiny.arrays[$0] }
        let want = c.graph.outputs.map { all[$0] }
        XCTAssertEqual(got.count, want.count)
        XCTAssertEqual(plan.outputs.map(\.name), c.graph.outputs.map { c.graph[$0].name })
        for (g, w) in zip(got, want) {
            XCTAssertEqual(g.shape, w.shape)
            XCTAssertLessThan(ImportSupport.maxAbsDifference(g.toArray(), w.values), 1e-4)
            XCTAssertGreaterThan(w.values.map(abs).max() ?? 0, 0.1, "outputs that are all zero would prove nothing")
        }
        return (try String(contentsOfFile: o.output, encoding: .utf8), ImportSupport.files(outDir), r.notes)
    }

    func testSIFTFlowShapedNetHasTwoOutputsInTheNetsOrder() throws {
        let tiny = Self.weights([("conv1", [[4, 3, 3, 3], [4]]), ("score_fr_sem", [[5, 4, 1, 1], [5]]), ("upscore_sem", [[5, 5, 4, 4]]),
                                 ("score_fr_geo", [[3, 4, 1, 1], [3]]), ("upscore_geo", [[3, 3, 4, 4]])], seed: 21)
        let (spec, files, notes) = try importAndCompare(Self.siftflow, tiny, direct: Self.siftflowDirect, inputChannels: [3])
        XCTAssertEqual(files, ["net.safetensors", "net.yaml"])
        XCTAssertTrue(spec.contains("input:\n  channels: 3\n  order: bgr\n  mean: [104.00699, 116.66877, 122.67892]\nclasses: 5\ngraph:\n"), spec)
        XCTAssertTrue(spec.contains("  - {conv: score_fr_geo, from: pool1, out: 3, kernel: 1}\n"), spec)
        XCTAssertTrue(spec.hasSuffix("  - {crop: score_geo, like: input}\noutputs: [score_sem, score_geo]\n"), spec)
        XCTAssertTrue(notes.contains("not inputs (only losses or nothing read them): sem, geo"), "\(notes)")
        XCTAssertTrue(notes.contains("mean from the param_str of layer 'data'"), "\(notes)")
    }

    func testColorDShapedNetConcatenatesTwoNamedInputs() throws {
        let tiny = Self.weights([("conv1_bgrd", [[4, 4, 3, 3], [4]]), ("score_fr", [[3, 4, 1, 1], [3]]), ("upscore", [[3, 3, 4, 4]])], seed: 22)
        let (spec, _, notes) = try importAndCompare(Self.colorD, tiny, direct: Self.colorDDirect, inputChannels: [3, 1])
        XCTAssertTrue(spec.contains("inputs:\n  color: {channels: 3, order: bgr}\n  depth: {channels: 1}\nclasses: 3\ngraph:\n  - {concat: data, from: [color, depth]}\n"), spec)
        XCTAssertTrue(spec.contains("  - {crop: score, like: data}\n"), spec)
        XCTAssertFalse(spec.contains("output"), spec)
        XCTAssertTrue(notes.contains("channels of Python data layer tops, from what the paper's layers load under these names: color 3, depth 1"), "\(notes)")
    }

    func testColorHHAShapedNetIsTwoStreamsOfOneBackboneWithSuffixes() throws {
        let tiny = Self.weights([("conv1color", [[4, 3, 3, 3], [4]]), ("score_frcolor", [[3, 4, 1, 1], [3]]),
                                 ("conv1hha", [[4, 3, 3, 3], [4]]), ("score_frhha", [[3, 4, 1, 1], [3]]), ("upscore", [[3, 3, 4, 4]])], seed: 23)
        let (spec, files, _) = try importAndCompare(Self.colorHHA, tiny, direct: Self.colorHHADirect, inputChannels: [3, 3],
                                                    catalog: BackboneCatalog.all + [Self.tinyStream])
        XCTAssertEqual(files, ["backbones", "backbones/tinystream.yaml", "net.safetensors", "net.yaml"])
        XCTAssertTrue(spec.contains("""
            inputs:
              color: {channels: 3, order: bgr}
              hha: {channels: 3}
            classes: 3
            backbones:
              - {file: backbones/tinystream.yaml, suffix: color, input: color}
              - {file: backbones/tinystream.yaml, suffix: hha, input: hha}
            graph:
              - {conv: score_frcolor, from: pool1color, out: 3, kernel: 1}
              - {conv: score_frhha, from: pool1hha, out: 3, kernel: 1}
              - {sum: score_fused, from: [score_frcolor, score_frhha], coefficients: [0.5, 0.5]}
              - {deconv: upscore, out: 3, stride: 2}
              - {crop: score, like: color}

            """), spec)
    }

    /// A different file of the backbone's name beside the output is left alone: the streams
    /// (which cannot be written inline with their suffixes) become part of an explicit graph.
    func testStreamsBecomeAGraphWhenAnotherBackboneFileIsBesideTheOutput() throws {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(Self.colorHHA, dir, "net.prototxt")
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: (outDir as NSString).appendingPathComponent("backbones"), withIntermediateDirectories: true)
        let mine = "name: tinystream\nlayers:\n  - {conv: conv1, out: 8, kernel: 3}\n"
        _ = try ImportSupport.write(mine, (outDir as NSString).appendingPathComponent("backbones"), "tinystream.yaml")
        var o = CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("net.yaml"))
        o.backboneCatalog = BackboneCatalog.all + [Self.tinyStream]
        let (_, result, error) = ImportSupport.run(o)
        XCTAssertNil(error)
        XCTAssertEqual(result?.form, "graph of 11 layers")
        let spec = try String(contentsOfFile: o.output, encoding: .utf8)
        XCTAssertTrue(spec.contains("graph:\n  - {conv: conv1color, from: color, out: 4, kernel: 3, pad: 5, relu: relu1color}\n"), spec)
        XCTAssertFalse(spec.contains("backbone"), spec)
        XCTAssertEqual(try String(contentsOfFile: (outDir as NSString).appendingPathComponent("backbones/tinystream.yaml"), encoding: .utf8), mine)
    }

    /// Inputs of two declared sizes are the one thing left that a spec cannot say.
    func testInputsOfDifferentSizesAreStillRefusedWithALocatedError() throws {
        let prototxt = """
            name: "two-sizes"
            input: "color"
            input_shape { dim: 1 dim: 3 dim: 20 dim: 20 }
            input: "depth"
            input_shape { dim: 1 dim: 1 dim: 10 dim: 10 }
            layer { name: "data" type: "Concat" bottom: "color" bottom: "depth" top: "data" }

            """ + Self.conv("score", "data", out: 3)
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(prototxt, dir, "net.prototxt")
        let out = (dir as NSString).appendingPathComponent("net.yaml")
        let (_, result, error) = ImportSupport.run(CaffeImportOptions(prototxt: proto, output: out))
        XCTAssertNil(result)
        XCTAssertEqual(error, "\(proto):4:1: error: input 'depth' is 10x10 but input 'color' is 20x20; a spec's inputs all have one size, so the net cannot be written [caffe-not-expressible]")
        XCTAssertEqual(ImportSupport.files(dir), ["net.prototxt"])
    }
}
