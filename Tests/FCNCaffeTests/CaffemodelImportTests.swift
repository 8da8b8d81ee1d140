// Tiny nets with caffemodels written here through the generated Caffe code (V2 with `shape`,
// V1 with legacy num/channels/height/width): imported, run by the interpreter, and compared
// with the same net written directly as a spec and run by the naive reference evaluator.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNRuntime
import FCNTestSupport
@testable import FCNCaffe

final class CaffemodelImportTests: XCTestCase {
    static let tinyV2 = """
    name: "tiny"
    layer { name: "input" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 20 dim: 20 } } }
    layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 pad: 5 } }
    layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
    layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
    layer { name: "score_fr" type: "Convolution" bottom: "pool1" top: "score_fr" convolution_param { num_output: 3 kernel_size: 1 } }
    layer { name: "upscore" type: "Deconvolution" bottom: "score_fr" top: "upscore" param { lr_mult: 0 }
            convolution_param { num_output: 3 bias_term: false kernel_size: 4 stride: 2 } }
    layer { name: "score" type: "Crop" bottom: "upscore" bottom: "data" top: "score" crop_param { axis: 2 offset: 5 } }
    layer { name: "prob" type: "Softmax" bottom: "score" top: "prob" }

    """

    static let tinyV1 = """
    name: "tiny-v1"
    input: "data"
    input_dim: 1
    input_dim: 3
    input_dim: 20
    input_dim: 20
    layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" blobs_lr: 1 blobs_lr: 2 convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
    layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
    layers { name: "pool1" type: POOLING bottom: "conv1" top: "pool1" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
    layers { name: "score" type: CONVOLUTION bottom: "pool1" top: "score" convolution_param { num_output: 3 kernel_size: 1 } }
    layers { name: "upscore" type: DECONVOLUTION bottom: "score" top: "upscore" blobs_lr: 0 convolution_param { num_output: 3 bias_term: false kernel_size: 4 stride: 2 } }

    """

    /// The tiny V2 net written directly as a spec.
    static func directV2(learned: Bool) -> String {
        """
        name: tiny-direct
        input: {channels: 3, size: 20}
        graph:
          - {conv: conv1, from: input, out: 4, kernel: 3, pad: 5, relu: relu1}
          - {pool: pool1, kernel: 2, stride: 2}
          - {conv: score_fr, out: 3, kernel: 1}
          - {deconv: upscore, stride: 2, out: 3, learn: \(learned)}
          - {crop: score, like: input}

        """
    }

    static let directV1 = """
    name: tiny-v1-direct
    input: {channels: 3, size: 20}
    graph:
      - {conv: conv1, from: input, out: 4, kernel: 3, pad: 1, relu: relu1}
      - {pool: pool1, method: avg, kernel: 2, stride: 2}
      - {conv: score, out: 3, kernel: 1}
      - {deconv: upscore, stride: 2, out: 3}

    """

    struct Tiny {
        var arrays: [String: [Float]] = [:]
        var blobs: [(String, [Caffe_BlobProto])] = []
    }

    /// Random weights for the tiny nets; the upsampler bilinear (fixed) or random (learned).
    static func weights(scoreName: String, learnedUpsampler: Bool, legacy: Bool, seed: UInt64) -> Tiny {
        var seed = seed, t = Tiny()
        func add(_ layer: String, _ shapes: [[Int]]) {
            var bs: [Caffe_BlobProto] = []
            for (i, s) in shapes.enumerated() {
                let v = layer == "upscore" && !learnedUpsampler ? Kernels.bilinearWeights(kernelH: 4, kernelW: 4, channels: 3)
                    : ImportSupport.random(s.reduce(1, *), seed: &seed)
                t.arrays["\(layer).\(i == 0 ? "weight" : "bias")"] = v
                bs.append(ImportSupport.blob(s, v, legacy: legacy))
            }
            t.blobs.append((layer, bs))
        }
        add("conv1", [[4, 3, 3, 3], [4]])
        add(scoreName, [[3, 4, 1, 1], [3]])
        add("upscore", [[3, 3, 4, 4]])
        return t
    }

    /// Imports `prototxt` with a caffemodel of `tiny`; runs the import with the interpreter and
    /// the direct spec with the naive evaluator on the same input; returns max |difference|.
    func importAndCompare(prototxt: String, tiny: Tiny, v1: Bool, direct: String, expectWeights: [String]) throws -> String {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(prototxt, dir, "tiny.prototxt")
        let model = (dir as NSString).appendingPathComponent("tiny.caffemodel")
        try ImportSupport.caffemodel(tiny.blobs, v1: v1).write(to: URL(fileURLWithPath: model))
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        var o = CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("tiny.yaml"))
        o.caffemodel = model
        let (_, result, error) = ImportSupport.run(o)
        XCTAssertNil(error)
        XCTAssertEqual(ImportSupport.files(outDir), ["tiny.safetensors", "tiny.yaml"])
        let r = try XCTUnwrap(result)

        // Imported: the written spec and weights file, through the interpreter.
        let plan = PlanPipeline.run(r.compilation)
        let store = try WeightStore.load(path: (outDir as NSString).appendingPathComponent("tiny.safetensors"),
                                         expected: plan.weightTable, optional: plan.optionalWeightTable)
        XCTAssertEqual(store.names.sorted(), expectWeights.sorted())
        var rng = SplitMix64(seed: 7)
        let input = NaiveTensor.random(shape: [1, 3, 20, 20], in: -1...1, using: &rng)
        let got = try Executable(plan: plan, weights: store).run(input.toTensor())

        // Direct: the same net written by hand, the naive evaluator, the same arrays.
        let d = Diagnostics()
        let c = try XCTUnwrap(Pipeline.compile(try ImportSupport.write(direct, dir, "direct.yaml"), diagnostics: d))
        let want = NaiveGraph.run(c.graph, input: input) { tiny.arrays[$0] }[c.graph.output]
        XCTAssertEqual(got.shape, want.shape)
        XCTAssertLessThan(ImportSupport.maxAbsDifference(got.toArray(), want.values), 1e-4)
        return try String(contentsOfFile: o.output, encoding: .utf8)
    }

    func testV2CaffemodelWithFixedBilinearUpsampler() throws {
        let tiny = Self.weights(scoreName: "score_fr", learnedUpsampler: false, legacy: false, seed: 11)
        let spec = try importAndCompare(prototxt: Self.tinyV2, tiny: tiny, v1: false, direct: Self.directV2(learned: false),
                                        expectWeights: ["conv1.weight", "conv1.bias", "score_fr.weight", "score_fr.bias"])
        XCTAssertTrue(spec.contains("  - {conv: conv1, from: input, out: 4, kernel: 3, pad: 5, relu: relu1}\n"), spec)
        XCTAssertTrue(spec.contains("  - {deconv: upscore, out: 3, stride: 2}\n"), spec)
        XCTAssertTrue(spec.contains("  - {crop: score, like: input}\n"), spec)
    }

    func testV2CaffemodelWithLearnedUpsamplerStaysLearned() throws {
        let tiny = Self.weights(scoreName: "score_fr", learnedUpsampler: true, legacy: false, seed: 12)
        let spec = try importAndCompare(prototxt: Self.tinyV2, tiny: tiny, v1: false, direct: Self.directV2(learned: true),
                                        expectWeights: ["conv1.weight", "conv1.bias", "score_fr.weight", "score_fr.bias", "upscore.weight"])
        XCTAssertTrue(spec.contains("  - {deconv: upscore, out: 3, stride: 2, learn: true}\n"), spec)
    }

    func testV1NetWithLegacyBlobDims() throws {
        let tiny = Self.weights(scoreName: "score", learnedUpsampler: false, legacy: true, seed: 13)
        let spec = try importAndCompare(prototxt: Self.tinyV1, tiny: tiny, v1: true, direct: Self.directV1,
                                        expectWeights: ["conv1.weight", "conv1.bias", "score.weight", "score.bias"])
        XCTAssertTrue(spec.contains("  - {pool: pool1, method: avg, kernel: 2, stride: 2}\n"), spec)
    }

    func testTruncatedCaffemodelIsALocatedErrorAndWritesNothing() throws {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(Self.tinyV2, dir, "tiny.prototxt")
        let tiny = Self.weights(scoreName: "score_fr", learnedUpsampler: true, legacy: false, seed: 14)
        let full = try ImportSupport.caffemodel(tiny.blobs, v1: false)
        let model = (dir as NSString).appendingPathComponent("cut.caffemodel")
        try full.prefix(full.count - 37).write(to: URL(fileURLWithPath: model))
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        var o = CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("tiny.yaml"))
        o.caffemodel = model
        let (_, result, error) = ImportSupport.run(o)
        XCTAssertNil(result)
        XCTAssertEqual(error, "\(model): error: not a readable caffemodel: the file ends in the middle of a message (truncated?) [caffe-bad-caffemodel]")
        XCTAssertEqual(ImportSupport.files(outDir), [])
    }

    func testWrongShapedBlobNamesLayerAndBlobAndWritesNothing() throws {
        let dir = try ImportSupport.scratch(self)
        let proto = try ImportSupport.write(Self.tinyV2, dir, "tiny.prototxt")
        var tiny = Self.weights(scoreName: "score_fr", learnedUpsampler: false, legacy: false, seed: 15)
        var seed: UInt64 = 99
        tiny.blobs[0].1[0] = ImportSupport.blob([4, 3, 5, 5], ImportSupport.random(300, seed: &seed))
        let model = (dir as NSString).appendingPathComponent("tiny.caffemodel")
        try ImportSupport.caffemodel(tiny.blobs, v1: false).write(to: URL(fileURLWithPath: model))
        let outDir = (dir as NSString).appendingPathComponent("out")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        var o = CaffeImportOptions(prototxt: proto, output: (outDir as NSString).appendingPathComponent("tiny.yaml"))
        o.caffemodel = model
        let (_, result, error) = ImportSupport.run(o)
        XCTAssertNil(result)
        XCTAssertEqual(error, "\(model): error: layer 'conv1' blob 0 has shape 4x3x5x5, but the model needs 4x3x3x3 ('conv1.weight') [caffe-blob-mismatch]")
        XCTAssertEqual(ImportSupport.files(outDir), [])
    }
}
