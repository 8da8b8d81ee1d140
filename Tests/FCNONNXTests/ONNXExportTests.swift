// The exported ModelProto, read back in Swift: node kinds and names, opset, initializers,
// crop offsets, shapes, and the serialize/parse round trip.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime
import FCNONNX

final class ONNXExportTests: XCTestCase {
    /// fcn8s with zero weights (fast; the structure does not depend on the values).
    static let fcn8s: (Compilation, ONNXExport, ONNXExport) = {
        let c = try! ONNXFixtures.compile("fcn8s")
        let w = ONNXFixtures.weights(c, zeros: true)
        let dynamic = try! ONNXExporter.build(compilation: c, weights: w)
        let fixed = try! ONNXExporter.build(compilation: c, weights: w, options: ONNXExportOptions(dynamic: false))
        return (c, dynamic, fixed)
    }()

    func testModelHeader() throws {
        let (_, e, _) = Self.fcn8s
        XCTAssertEqual(e.model.irVersion, 8)
        XCTAssertEqual(e.model.opsetImport.count, 1)
        XCTAssertEqual(e.model.opsetImport[0].domain, "")
        XCTAssertEqual(e.model.opsetImport[0].version, 17)
        XCTAssertEqual(e.model.producerName, "fcngc")
        XCTAssertEqual(e.model.graph.name, "fcn8s")
        XCTAssertTrue(e.notes.isEmpty, "\(e.notes)")
        let meta = Dictionary(uniqueKeysWithValues: e.model.metadataProps.map { ($0.key, $0.value) })
        XCTAssertEqual(meta["fcngc.input.order"], "bgr")
        XCTAssertEqual(meta["fcngc.input.mean"], "104.00699,116.66877,122.67892")
        XCTAssertEqual(meta["fcngc.export"], "dynamic")
        // The VOC class names, in label order, as a JSON array.
        let classes = try JSONDecoder().decode([String].self, from: Data((meta["fcngc.classes"] ?? "").utf8))
        XCTAssertEqual(classes.count, 21)
        XCTAssertEqual([classes[0], classes[15], classes[20]], ["background", "person", "tvmonitor"])
    }

    func testNodeKindsAndNamesFollowTheLayers() throws {
        let (c, e, _) = Self.fcn8s
        let g = ExportedGraph(model: e.model)
        let expectedOp: [OpKind: String] = [.conv: "Conv", .deconv: "ConvTranspose", .relu: "Relu", .pool: "MaxPool",
                                            .crop: "Slice", .sum: "Add", .lrn: "LRN", .scale: "Mul"]
        var layerNodes = 0
        for n in c.graph.nodes where n.op != .input {
            if n.op == .dropout {
                XCTAssertNil(g.node(n.name), "dropout '\(n.name)' should be omitted")
                continue
            }
            guard let node = g.node(n.name) else { XCTFail("no ONNX node named '\(n.name)'"); continue }
            XCTAssertEqual(node.opType, expectedOp[n.op], n.name)
            layerNodes += 1
        }
        // Besides the layers: per crop two Constants (starts, axes), a Shape and an Add.
        let crops = c.graph.nodes.filter { $0.op == .crop }.count
        XCTAssertEqual(crops, 3)
        XCTAssertEqual(g.graph.node.count, layerNodes + 4 * crops)
        XCTAssertEqual(Set(g.graph.node.map(\.opType)),
                       ["Conv", "Relu", "MaxPool", "ConvTranspose", "Slice", "Add", "Constant", "Shape"])
        // Every node name and value name is unique; the graph is in topological order.
        XCTAssertEqual(Set(g.graph.node.map(\.name)).count, g.graph.node.count)
        var defined: Set<String> = ["input"]
        defined.formUnion(g.graph.initializer.map(\.name))
        for node in g.graph.node {
            for i in node.input { XCTAssertTrue(defined.contains(i), "\(node.name) reads \(i) before it is defined") }
            for o in node.output { XCTAssertTrue(defined.insert(o).inserted, "\(o) defined twice") }
        }

        // Attributes of a few layers.
        let conv11 = try XCTUnwrap(g.node("conv1_1"))
        XCTAssertEqual(conv11.input, ["input", "conv1_1.weight", "conv1_1.bias"])
        XCTAssertEqual(g.ints(conv11, "pads"), [100, 100, 100, 100])
        XCTAssertEqual(g.ints(conv11, "kernel_shape"), [3, 3])
        XCTAssertEqual(g.ints(conv11, "strides"), [1, 1])
        XCTAssertEqual(g.ints(conv11, "dilations"), [1, 1])
        XCTAssertEqual(g.int(conv11, "group"), 1)
        XCTAssertEqual(try XCTUnwrap(g.node("relu1_1")).input, ["conv1_1"])
        let pool1 = try XCTUnwrap(g.node("pool1"))
        XCTAssertEqual(g.ints(pool1, "kernel_shape"), [2, 2])
        XCTAssertEqual(g.ints(pool1, "strides"), [2, 2])
        XCTAssertEqual(g.ints(pool1, "pads"), [0, 0, 0, 0])
        XCTAssertEqual(g.int(pool1, "ceil_mode"), 1)
        // fc7 reads relu6 directly: drop6 is gone.
        XCTAssertEqual(try XCTUnwrap(g.node("fc7")).input.first, "relu6")
        XCTAssertEqual(try XCTUnwrap(g.node("score_fr")).input.first, "relu7")
        let up2 = try XCTUnwrap(g.node("upscore2"))
        XCTAssertEqual(up2.input, ["score_fr", "upscore2.weight"])
        XCTAssertEqual(g.ints(up2, "kernel_shape"), [4, 4])
        XCTAssertEqual(g.ints(up2, "strides"), [2, 2])
        XCTAssertEqual(g.ints(up2, "pads"), [0, 0, 0, 0])
        XCTAssertEqual(g.int(up2, "group"), 1)
        XCTAssertEqual(try XCTUnwrap(g.node("fuse_pool4")).input, ["upscore2", "score_pool4c"])
        XCTAssertEqual(try XCTUnwrap(g.node("upscore8")).input, ["fuse_pool3", "upscore8.weight"])
        // The last layer's value is the graph output "score".
        XCTAssertEqual(try XCTUnwrap(g.node("score")).output, ["score"])
    }

    func testInitializersAreTheWeightsWithTheirShapes() throws {
        let (c, e, _) = Self.fcn8s
        let inits = ExportedGraph(model: e.model).initializers
        var expected: [String: [Int]] = [:]
        for (name, shape) in ONNXFixtures.weightTable(c) { expected[name] = shape }
        for up in ["upscore2", "upscore_pool4", "upscore8"] {
            let k = up == "upscore8" ? 16 : 4
            expected["\(up).weight"] = [21, 21, k, k]
        }
        XCTAssertEqual(inits, expected)
        XCTAssertEqual(inits["conv1_1.weight"], [64, 3, 3, 3])
        XCTAssertEqual(inits["conv1_1.bias"], [64])
        XCTAssertEqual(inits["fc6.weight"], [4096, 512, 7, 7])
        XCTAssertEqual(inits["fc7.weight"], [4096, 4096, 1, 1])
        XCTAssertEqual(inits["score_fr.weight"], [21, 4096, 1, 1])
        XCTAssertEqual(inits["score_pool4.weight"], [21, 512, 1, 1])
        XCTAssertEqual(inits["score_pool3.weight"], [21, 256, 1, 1])
        XCTAssertNil(inits["upscore2.bias"])
        // Conv weights are float32 in raw_data.
        let t = try XCTUnwrap(e.model.graph.initializer.first { $0.name == "conv1_1.weight" })
        XCTAssertEqual(t.dataType, Int32(Onnx_TensorProto.DataType.float.rawValue))
        XCTAssertEqual(t.rawData.count, 64 * 3 * 3 * 3 * 4)
    }

    func testFixedUpsamplerWeightsAreBilinearOnTheDiagonal() throws {
        let (_, e, _) = Self.fcn8s
        let t = try XCTUnwrap(e.model.graph.initializer.first { $0.name == "upscore2.weight" })
        let v = t.floatValues
        XCTAssertEqual(v.count, 21 * 21 * 16)
        let k1: [Float] = [0.25, 0.75, 0.75, 0.25]
        for i in 0..<21 { for o in 0..<21 { for y in 0..<4 { for x in 0..<4 {
            let w = v[((i * 21 + o) * 4 + y) * 4 + x]
            XCTAssertEqual(w, i == o ? k1[y] * k1[x] : 0, "(\(i),\(o),\(y),\(x))")
        }}}}
        // Odd kernels (FCN-AlexNet's 63) center on f - 1.
        let w63 = ONNXExporter.bilinearDiagonal(channels: 1, kernel: Pair(63))
        XCTAssertEqual(w63[31 * 63 + 31], 1)
        XCTAssertEqual(w63[0], (1 - 31.0 / 32) * (1 - 31.0 / 32), accuracy: 1e-7)
    }

    func testCropSlicesStartAtTheDerivedOffsets() throws {
        let (c, e, fixed) = Self.fcn8s
        let g = ExportedGraph(model: e.model), gf = ExportedGraph(model: fixed.model)
        var offsets: [String: Int] = [:]
        for n in c.graph.nodes where n.op == .crop {
            let off = try XCTUnwrap(n.cropOffset)
            let like = try XCTUnwrap(n.like)
            offsets[n.name] = off.h
            // Dynamic: starts constant; ends = Shape(reference)[2:4] + starts; axes (2, 3).
            let slice = try XCTUnwrap(g.node(n.name))
            XCTAssertEqual(slice.opType, "Slice")
            XCTAssertEqual(slice.input.count, 4)
            XCTAssertEqual(g.constant(slice.input[1]), [off.h, off.w], n.name)
            XCTAssertEqual(g.constant(slice.input[3]), [2, 3], n.name)
            let add = try XCTUnwrap(g.producer(of: slice.input[2]))
            XCTAssertEqual(add.opType, "Add")
            XCTAssertEqual(add.input[1], slice.input[1])
            let shape = try XCTUnwrap(g.producer(of: add.input[0]))
            XCTAssertEqual(shape.opType, "Shape")
            XCTAssertEqual(shape.input, [like == 0 ? "input" : c.graph[like].name])
            XCTAssertEqual(g.int(shape, "start"), 2)
            XCTAssertEqual(g.int(shape, "end"), 4)
            // Fixed: constant ends = offset + reference size at the compiled input.
            let fs = try XCTUnwrap(gf.node(n.name))
            let r = c.shapes[like]
            XCTAssertEqual(gf.constant(fs.input[1]), [off.h, off.w])
            XCTAssertEqual(gf.constant(fs.input[2]), [off.h + r.h, off.w + r.w])
        }
        // The reference net's offsets, derived by the compiler and carried into the file.
        XCTAssertEqual(offsets, ["score_pool4c": 5, "score_pool3c": 9, "score": 31])
    }

    func testInputOutputAndShapes() throws {
        let (c, e, fixed) = Self.fcn8s
        let g = e.model.graph
        XCTAssertEqual(g.input.map(\.name), ["input"])
        XCTAssertEqual(g.input[0].dims, [.symbol("N"), .value(3), .symbol("H"), .symbol("W")])
        XCTAssertEqual(g.input[0].type.tensorType.elemType, Int32(Onnx_TensorProto.DataType.float.rawValue))
        XCTAssertEqual(g.output.map(\.name), ["score"])
        XCTAssertEqual(g.output[0].dims, [.symbol("N"), .value(21), .symbol("H"), .symbol("W")])
        // Dynamic value_info: channels known, sizes not.
        let pool5 = try XCTUnwrap(g.valueInfo.first { $0.name == "pool5" })
        XCTAssertEqual(pool5.dims, [.symbol("N"), .value(512), .unknown, .unknown])

        let f = fixed.model.graph
        XCTAssertEqual(f.input[0].dims, [.symbol("N"), .value(3), .value(500), .value(500)])
        XCTAssertEqual(f.output[0].dims, [.symbol("N"), .value(21), .value(500), .value(500)])
        // Every intermediate shape is declared and equals the compiler's.
        for (id, n) in c.graph.nodes.enumerated() where n.op != .input && n.op != .dropout && id != c.graph.output {
            let v = try XCTUnwrap(f.valueInfo.first { $0.name == n.name }, n.name)
            let s = c.shapes[id]
            XCTAssertEqual(v.dims, [.symbol("N"), .value(s.c), .value(s.h), .value(s.w)], n.name)
        }
        // The facts' sizes at 500x500.
        let dims = Dictionary(uniqueKeysWithValues: f.valueInfo.map { ($0.name, $0.dims) })
        XCTAssertEqual(dims["pool5"], [.symbol("N"), .value(512), .value(22), .value(22)])
        XCTAssertEqual(dims["fc6"], [.symbol("N"), .value(4096), .value(16), .value(16)])
        XCTAssertEqual(dims["upscore8"], [.symbol("N"), .value(21), .value(568), .value(568)])
    }

    func testIntermediatesBecomeOutputsInGraphOrder() throws {
        let c = try ONNXFixtures.compile("fcn32s", input: Pair(64))
        let e = try ONNXExporter.build(compilation: c, weights: ONNXFixtures.weights(c, zeros: true),
                                       options: ONNXExportOptions(exposeIntermediates: true))
        let outputs = e.model.graph.output.map(\.name)
        XCTAssertEqual(outputs.first, "score")
        let layers = c.graph.nodes.filter { $0.op != .input && $0.name != "score" }.map(\.name)
        XCTAssertEqual(Array(outputs.dropFirst()), layers)
        // Dropouts become Identity nodes so that they have outputs too.
        XCTAssertEqual(ExportedGraph(model: e.model).node("drop6")?.opType, "Identity")
        XCTAssertEqual(e.layerValues.map(\.layer), c.graph.nodes.dropFirst().map(\.name))
        let meta = try XCTUnwrap(e.model.metadataProps.first { $0.key == ONNXExporter.layerValuesKey })
        XCTAssertTrue(meta.value.hasPrefix("conv1_1=conv1_1,relu1_1=relu1_1,"))
        XCTAssertTrue(meta.value.hasSuffix(",score=score"))
    }

    func testSerializeParseRoundTrip() throws {
        // Random values on a small net: every float survives bit for bit.
        let c = try ONNXFixtures.compile(yaml: MiniNets.allKinds, input: Pair(23, 31))
        let w = ONNXFixtures.weights(c, seed: 7)
        let e = try ONNXExporter.build(compilation: c, weights: w)
        let data = try e.serializedData()
        let back = try Onnx_ModelProto(serializedBytes: data)
        XCTAssertEqual(back, e.model)
        XCTAssertEqual(try back.serializedData(), data)
        for name in ["c1.weight", "c2.bias", "up.weight", "up.bias"] {
            let t = try XCTUnwrap(back.graph.initializer.first { $0.name == name }, name)
            XCTAssertEqual(t.floatValues, w.tensors[name]?.values, name)
        }
        // The convenience entry point writes the same bytes.
        XCTAssertEqual(try ONNXExporter.export(compilation: c, weights: w), data)

        // fcn8s (dynamic) parses back to the same message.
        let (_, big, _) = Self.fcn8s
        XCTAssertEqual(try Onnx_ModelProto(serializedBytes: try big.serializedData()), big.model)
    }

    func testMissingAndMisshapenWeightsAreReportedTogether() throws {
        let c = try ONNXFixtures.compile("fcn32s", input: Pair(64))
        var w = ONNXFixtures.weights(c, zeros: true)
        w.tensors["fc6.weight"] = nil
        w.tensors["conv1_1.bias"] = ONNXWeight(shape: [65], values: [Float](repeating: 0, count: 65))
        XCTAssertThrowsError(try ONNXExporter.build(compilation: c, weights: w)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("2 problems"), text)
            XCTAssertTrue(text.contains("missing: 'fc6.weight' (expected shape [4096, 512, 7, 7])"), text)
            XCTAssertTrue(text.contains("wrong shape: 'conv1_1.bias' expected [64], found [65]"), text)
        }
    }

    func testAllLayerKindsOfTheMiniNet() throws {
        let c = try ONNXFixtures.compile(yaml: MiniNets.allKinds, input: Pair(23, 31))
        let e = try ONNXExporter.build(compilation: c, weights: ONNXFixtures.weights(c))
        let g = ExportedGraph(model: e.model)
        XCTAssertEqual(g.node("c2")?.opType, "Conv")
        XCTAssertEqual(g.node("c2").flatMap { g.int($0, "group") }, 2)
        XCTAssertEqual(g.node("c2").flatMap { g.ints($0, "dilations") }, [2, 2])
        XCTAssertEqual(g.node("norm")?.opType, "LRN")
        let lrn = try XCTUnwrap(g.node("norm"))
        XCTAssertEqual(g.int(lrn, "size"), 3)
        XCTAssertEqual(lrn.attribute("alpha")?.f, 0.5)
        XCTAssertEqual(lrn.attribute("beta")?.f, 0.75)
        XCTAssertEqual(lrn.attribute("bias")?.f, 2)
        XCTAssertEqual(g.node("half")?.opType, "Mul")
        XCTAssertEqual(g.node("avg")?.opType, "AveragePool")
        XCTAssertEqual(g.node("avg").flatMap { g.int($0, "count_include_pad") }, 1)
        XCTAssertEqual(g.node("up")?.opType, "ConvTranspose")
        XCTAssertEqual(g.node("up")?.input, ["t2", "up.weight", "up.bias"])   // learned, with bias
        XCTAssertEqual(g.node("sum3")?.opType, "Add")
        XCTAssertNotNil(g.node("sum3/partial1"))
        // A sensitive max pool (k2 s2 p1) in a dynamic export: Pad from the shape, then floor.
        let mp = try XCTUnwrap(g.node("mp"))
        XCTAssertEqual(g.int(mp, "ceil_mode"), 0)
        XCTAssertEqual(g.producer(of: mp.input[0])?.opType, "Pad")
        // A sensitive average pool (k2 s2 p1): the padded sum divided by a count map.
        let avg2 = try XCTUnwrap(g.node("avg2"))
        XCTAssertEqual(avg2.opType, "Div")
        XCTAssertEqual(g.producer(of: avg2.input[0])?.opType, "AveragePool")
        XCTAssertEqual(g.producer(of: avg2.input[1])?.opType, "Max")
        XCTAssertTrue(e.notes.isEmpty, "\(e.notes)")
        // The insensitive one (k3 s2 p1) is a plain ceil-mode pool.
        XCTAssertEqual(g.node("avg").flatMap { g.int($0, "ceil_mode") }, 1)
        XCTAssertEqual(g.node("avg").flatMap { g.ints($0, "pads") }, [1, 1, 1, 1])
    }
}

/// Small specs exercising every layer kind and the pool corner cases.
enum MiniNets {
    /// Every op kind; pools of every lowering; crops with per-axis offsets; a 3-input sum.
    static let allKinds = """
    name: mini
    input: {channels: 3, size: [23, 31]}
    graph:
      - {conv: c1, out: 4, kernel: 3, pad: [5, 4], relu: r1}
      - {pool: mp, method: max, kernel: 2, stride: 2, pad: 1}
      - {conv: c2, out: 6, kernel: 3, pad: 2, dilation: 2, group: 2}
      - {lrn: norm, size: 3, alpha: 0.5, beta: 0.75, k: 2}
      - {pool: avg, method: avg, kernel: 3, stride: 2, pad: 1}
      - {pool: avg2, method: avg, kernel: 2, stride: 2, pad: 1}
      - {dropout: d1}
      - {scale: half, value: 0.5}
      - {pool: fl, method: max, kernel: 2, stride: 2, rounding: floor}
      - {conv: t2, out: 5, kernel: 1}
      - {deconv: up, out: 5, stride: 2, init: random, learn: true, bias: true}
      - {crop: upc, like: half}
      - {conv: side, out: 5, kernel: 1, from: half}
      - {conv: side2, out: 5, kernel: 1, from: half}
      - {sum: sum3, from: [upc, side, side2]}
      - {deconv: big, stride: 8}
      - {crop: out, like: input}
    """

    /// Every pool whose size ONNX's ceil_mode does not give by itself (see ONNXPoolLowering),
    /// chained; k1 s2 leaves an empty last window at even sizes (-FLT_MAX for max, 0 for avg).
    static let pools = """
    name: pools
    input: {channels: 2, size: [60, 60]}
    graph:
      - {pool: g, method: avg, kernel: 3, stride: 3, pad: 1}
      - {pool: a, method: max, kernel: 2, stride: 2, pad: 1}
      - {pool: b, method: avg, kernel: 2, stride: 2, pad: 1}
      - {pool: f, method: avg, kernel: 1, stride: 2}
      - {pool: c, method: max, kernel: 3, stride: 3, pad: 2}
      - {pool: d, method: avg, kernel: 3, stride: 3, pad: 2}
      - {pool: e, method: max, kernel: 1, stride: 2}
    """
}
