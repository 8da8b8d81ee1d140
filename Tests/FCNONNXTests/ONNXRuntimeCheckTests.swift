// End to end through Python: onnx.checker (full check), onnxruntime, and Sources/fcngc/Resources/onnx_verify.py.
// Skipped when .venv is missing (Scripts/setup.sh creates it; see Scripts/requirements-onnx.txt).

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime
import FCNTestSupport
import FCNONNX

final class ONNXRuntimeCheckTests: XCTestCase {
    override func setUpWithError() throws { try ONNXFixtures.requirePython() }

    func testProtoSubsetIsWireCompatibleWithUpstream() throws {
        let (rc, out) = try ONNXFixtures.runPython(["Scripts/Tools/onnx_proto_compat.py"])
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("match"), out)
    }

    func writeInput(_ shape: [Int], seed: UInt64, to url: URL) throws -> NaiveTensor {
        var rng = SplitMix64(seed: seed)
        let x = NaiveTensor.random(shape: shape, in: -1...1, using: &rng)
        try NPYFile.write(x, to: url)
        return x
    }

    func verify(_ model: URL, _ input: URL, expected: URL? = nil, intermediates: URL? = nil,
                shape: [Int]? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> (Int32, String) {
        var args = [ONNXFixtures.verifyScript, model.path, input.path]
        if let expected { args.append(expected.path) }
        if let intermediates { args += ["--intermediates", intermediates.path] }
        if let shape { args += ["--expect-shape", shape.map(String.init).joined(separator: ",")] }
        return try ONNXFixtures.runPython(args)
    }

    /// fcn32s (random weights): one dynamic file checked and run at 64x64 and at the odd
    /// 67x45, and a fixed-size file for 67x45; the scores always come out at the input size.
    func testFCN32sPassesTheCheckerAndRunsAtSeveralSizes() throws {
        let dir = try ONNXFixtures.temporaryDirectory("fcn32s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c64 = try ONNXFixtures.compile("fcn32s", input: Pair(64))
        let w = ONNXFixtures.weights(c64, seed: 3)
        let dynamic = dir.appendingPathComponent("fcn32s.onnx")
        try ONNXExporter.export(compilation: c64, weights: w).write(to: dynamic)
        for size in [Pair(64), Pair(67, 45)] {
            let input = dir.appendingPathComponent("in-\(size.h)x\(size.w).npy")
            _ = try writeInput([1, 3, size.h, size.w], seed: 9, to: input)
            var (rc, out) = try verify(dynamic, input, shape: [1, 21, size.h, size.w])
            XCTAssertEqual(rc, 0, "dynamic at \(size): \(out)")
            XCTAssertTrue(out.contains("check_model(full_check=True): ok"), out)

            guard size != Pair(64) else { continue }
            let c = try ONNXFixtures.compile("fcn32s", input: size)
            let fixed = dir.appendingPathComponent("fcn32s-\(size.h)x\(size.w).onnx")
            try ONNXExporter.export(compilation: c, weights: w, dynamic: false).write(to: fixed)
            (rc, out) = try verify(fixed, input, shape: [1, 21, size.h, size.w])
            XCTAssertEqual(rc, 0, "fixed at \(size): \(out)")
        }
    }

    /// Writes the naive reference's output and every layer's output (DIR/<layer>.npy).
    func writeReference(_ c: Compilation, _ w: ONNXWeightDictionary, input x: NaiveTensor, dir: URL) throws -> URL {
        let outs = NaiveGraph.run(c.graph, input: x) { w.tensors[$0]?.values }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (id, n) in c.graph.nodes.enumerated() where n.op != .input {
            try NPYFile.write(outs[id], to: dir.appendingPathComponent("\(n.name).npy"))
        }
        let expected = dir.appendingPathComponent("expected.npy")
        try NPYFile.write(outs[c.graph.output], to: expected)
        return expected
    }

    /// Every layer kind, every pool lowering: onnxruntime agrees with fcngc's naive reference
    /// on the scores and on every layer, for a dynamic file at three sizes and fixed files.
    func testMiniNetMatchesTheNaiveReferenceLayerByLayer() throws {
        let dir = try ONNXFixtures.temporaryDirectory("mini")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c0 = try ONNXFixtures.compile(yaml: MiniNets.allKinds, input: Pair(23, 31))
        let w = ONNXFixtures.weights(c0, seed: 5)
        let dynamic = dir.appendingPathComponent("mini.onnx")
        try ONNXExporter.export(compilation: c0, weights: w).write(to: dynamic)
        for (i, size) in [Pair(23, 31), Pair(24, 30), Pair(30, 27)].enumerated() {
            let c = try ONNXFixtures.compile(yaml: MiniNets.allKinds, input: size)
            let input = dir.appendingPathComponent("in\(i).npy")
            let x = try writeInput([2, 3, size.h, size.w], seed: UInt64(20 + i), to: input)
            let ref = dir.appendingPathComponent("ref\(i)")
            let expected = try writeReference(c, w, input: x, dir: ref)
            var (rc, out) = try verify(dynamic, input, expected: expected, intermediates: ref,
                                       shape: [2, 5, size.h, size.w])
            XCTAssertEqual(rc, 0, "dynamic at \(size): \(out)")
            let fixed = dir.appendingPathComponent("mini\(i).onnx")
            do {
                try ONNXExporter.export(compilation: c, weights: w, dynamic: false, exposeIntermediates: true).write(to: fixed)
            } catch {
                XCTFail("fixed export at \(size): \(error)")
                continue
            }
            (rc, out) = try verify(fixed, input, expected: expected, intermediates: ref)
            XCTAssertEqual(rc, 0, "fixed at \(size): \(out)")
        }
    }

    /// The pools ONNX's ceil_mode alone gets wrong at some sizes, at sizes where it does:
    /// sizes and values (empty windows included) agree with the naive reference.
    func testSensitivePoolsMatchTheNaiveReference() throws {
        let dir = try ONNXFixtures.temporaryDirectory("pools")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c0 = try ONNXFixtures.compile(yaml: MiniNets.pools, input: Pair(60, 60))
        let w = ONNXFixtures.weights(c0)
        let dynamic = dir.appendingPathComponent("pools.onnx")
        let export = try ONNXExporter.build(compilation: c0, weights: w)
        XCTAssertTrue(export.notes.isEmpty, "\(export.notes)")
        try export.serializedData().write(to: dynamic)
        var triggered = Set<String>(), fixedLowerings = Set<String>()
        for (i, size) in [Pair(60, 60), Pair(63, 131), Pair(61, 50), Pair(47, 66)].enumerated() {
            let c = try ONNXFixtures.compile(yaml: MiniNets.pools, input: size)
            for (id, n) in c.graph.nodes.enumerated() where n.op == .pool {
                let s = c.shapes[n.inputs[0]], p = n.params
                for (axis, len) in [s.h, s.w].enumerated() {
                    let caffe = ONNXPoolLowering.caffeCeil(len, k: p.kernel[axis], s: p.stride[axis], p: p.pad[axis])
                    XCTAssertEqual(caffe, axis == 0 ? c.shapes[id].h : c.shapes[id].w)
                    let lowering = try ONNXPoolLowering.choose(p, inputSize: Pair(s.h, s.w), layer: n.name)
                    fixedLowerings.insert("\(p.method) \(String(describing: lowering).prefix { $0 != "(" })")
                    if caffe != ONNXPoolLowering.onnxCeil(len, k: p.kernel[axis], s: p.stride[axis], p: p.pad[axis])
                        || caffe != ONNXPoolLowering.runtimeCeil(len, k: p.kernel[axis], s: p.stride[axis], p: p.pad[axis]) {
                        triggered.insert(n.name)
                    }
                }
            }
            let input = dir.appendingPathComponent("in\(i).npy")
            let x = try writeInput([1, 2, size.h, size.w], seed: UInt64(40 + i), to: input)
            let ref = dir.appendingPathComponent("ref\(i)")
            let expected = try writeReference(c, w, input: x, dir: ref)
            var (rc, out) = try verify(dynamic, input, expected: expected, intermediates: ref)
            XCTAssertEqual(rc, 0, "dynamic at \(size): \(out)")
            let fixed = dir.appendingPathComponent("pools\(i).onnx")
            try ONNXExporter.export(compilation: c, weights: w, dynamic: false).write(to: fixed)
            (rc, out) = try verify(fixed, input, expected: expected, intermediates: ref)
            XCTAssertEqual(rc, 0, "fixed at \(size): \(out)")
        }
        // The sizes above do hit every corner.
        XCTAssertEqual(triggered, ["g", "a", "b", "f", "c", "d", "e"])
        XCTAssertEqual(fixedLowerings, ["max direct", "max floorWithEndPads", "max explicitPad", "avg direct",
                                        "avg floorWithEndPads", "avg explicitPad", "avg averageWithDivisor"])
    }

    /// fcn8s: onnxruntime on the dynamic export agrees with fcngc's interpreter (fused, planned,
    /// windowed) on the scores and on every step output, at an odd size with a batch of 2.
    func testFCN8sAgreesWithTheInterpreter() throws {
        let dir = try ONNXFixtures.temporaryDirectory("fcn8s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let size = Pair(45, 67)
        let c = try ONNXFixtures.compile("fcn8s", input: size)
        let w = ONNXFixtures.weights(c, seed: 11)
        let model = dir.appendingPathComponent("fcn8s.onnx")
        try ONNXExporter.export(compilation: c, weights: w).write(to: model)

        // The interpreter, dumping each step's output under its last layer's name (as
        // `fcngc run --dump-steps` does).
        let plan = PlanPipeline.run(c)
        let exe = try Executable(plan: plan, weights: DictionarySource(weights: w), batch: 2)
        let input = dir.appendingPathComponent("in.npy")
        var rng = SplitMix64(seed: 2)
        let x = NaiveTensor.random(shape: [2, 3, size.h, size.w], in: -60...60, using: &rng)
        try NPYFile.write(x, to: input)
        let dump = dir.appendingPathComponent("steps")
        try FileManager.default.createDirectory(at: dump, withIntermediateDirectories: true)
        let order = Dictionary(c.graph.nodes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var failure: Error?
        exe.observer = { _, step, out in
            let layer = step.sources.max { (order[$0.name] ?? 0) < (order[$1.name] ?? 0) }?.name ?? step.name
            do { try NPYFile.write(NaiveTensor(shape: out.shape, values: out.toArray()), to: dump.appendingPathComponent(layer + ".npy")) } catch { failure = error }
        }
        let scores = try exe.run(x.toTensor())
        if let failure { throw failure }
        let expected = dir.appendingPathComponent("scores.npy")
        try NPYFile.write(NaiveTensor(shape: scores.shape, values: scores.toArray()), to: expected)

        let (rc, out) = try verify(model, input, expected: expected, intermediates: dump, shape: [2, 21, size.h, size.w])
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("  score_pool3:") || out.contains("  fuse_pool3:"), out)
    }

    /// A wrong layer is named: the file's c2 bias differs from the reference's.
    func testVerifyNamesTheFirstDivergingLayer() throws {
        let dir = try ONNXFixtures.temporaryDirectory("diverge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ONNXFixtures.compile(yaml: MiniNets.allKinds, input: Pair(23, 31))
        let w = ONNXFixtures.weights(c, seed: 5)
        var wrong = w
        wrong.tensors["c2.bias"]!.values[1] += 0.5
        let model = dir.appendingPathComponent("mini.onnx")
        try ONNXExporter.export(compilation: c, weights: wrong).write(to: model)
        let input = dir.appendingPathComponent("in.npy")
        let x = try writeInput([1, 3, 23, 31], seed: 1, to: input)
        let ref = dir.appendingPathComponent("ref")
        let expected = try writeReference(c, w, input: x, dir: ref)
        let (rc, out) = try verify(model, input, expected: expected, intermediates: ref)
        XCTAssertEqual(rc, 1, out)
        XCTAssertTrue(out.contains("first diverging layer: c2"), out)
        XCTAssertTrue(out.contains("FAILED"), out)
    }
}

/// The test's weight dictionary as the interpreter's WeightSource.
private struct DictionarySource: WeightSource {
    let weights: ONNXWeightDictionary
    func tensor(named name: String) -> Tensor? {
        weights.tensors[name].map { Tensor(shape: $0.shape, values: $0.values) }
    }
}
