// Shapes: the reference sizes at 500x500, output == input for every H and W in 1...1024
// for every shipped model (by ValidSizesPass and by the test's own per-axis chain of
// Caffe's formulas), non-square spot checks through InferShapesPass, parameters, MACs
// and receptive field.

import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

/// Caffe's size rules written out again for the test (fcn-facts), one axis.
private func caffeSize(_ n: Node, axis: Int, input: Int, reference: Int?) -> Int? {
    let p = n.params
    switch n.op {
    case .conv:
        let k = p.dilation[axis] * (p.kernel[axis] - 1) + 1
        let x = input + 2 * p.pad[axis] - k
        return x < 0 ? nil : x / p.stride[axis] + 1
    case .pool:
        let k = p.kernel[axis], s = p.stride[axis], pad = p.pad[axis]
        let x = input + 2 * pad - k
        if x < 0 { return nil }
        if p.rounding == .floor { return x / s + 1 }
        var out = Int((Double(x) / Double(s)).rounded(.up)) + 1
        if pad > 0, (out - 1) * s >= input + pad { out -= 1 }
        return out
    case .deconv:
        let k = p.dilation[axis] * (p.kernel[axis] - 1) + 1
        let out = p.stride[axis] * (input - 1) + k - 2 * p.pad[axis]
        return out < 1 ? nil : out
    case .crop:
        guard let ref = reference, let off = n.cropOffset?[axis], input - off >= ref else { return nil }
        return ref
    default:
        return input
    }
}

/// Every node's size along one axis, or nil if some layer fails.
private func caffeChain(_ g: Graph, axis: Int, size: Int) -> [Int]? {
    var sizes: [Int] = []
    for n in g.nodes {
        if n.op == .input { sizes.append(size); continue }
        let ref = n.op == .crop ? sizes[n.like ?? 0] : nil
        guard let s = caffeSize(n, axis: axis, input: sizes[n.inputs[0]], reference: ref) else { return nil }
        if n.op == .sum, n.inputs.contains(where: { sizes[$0] != s }) { return nil }
        sizes.append(s)
    }
    return sizes
}

final class ShapesTests: XCTestCase {
    func shape(_ c: Compilation, _ name: String) -> Shape? {
        FoundationFixtures.node(c.graph, name).flatMap { c.graph.id(named: $0.name) }.map { c.shapes[$0] }
    }

    func testReferenceShapesAt500() {
        guard let c8 = FoundationFixtures.compiled("fcn8s", input: Pair(500)),
              let c16 = FoundationFixtures.compiled("fcn16s", input: Pair(500)),
              let c32 = FoundationFixtures.compiled("fcn32s", input: Pair(500)) else { return }
        XCTAssertEqual(shape(c8, "pool5"), Shape(512, 22, 22))
        XCTAssertEqual(shape(c8, "fc6"), Shape(4096, 16, 16))
        XCTAssertEqual(shape(c8, "upscore2"), Shape(21, 34, 34))
        XCTAssertEqual(shape(c8, "upscore_pool4"), Shape(21, 70, 70))
        XCTAssertEqual(shape(c8, "upscore8"), Shape(21, 568, 568))
        XCTAssertEqual(shape(c8, "score"), Shape(21, 500, 500))
        XCTAssertEqual(shape(c32, "upscore"), Shape(21, 544, 544))
        XCTAssertEqual(shape(c16, "upscore16"), Shape(21, 560, 560))
        XCTAssertEqual(shape(c8, "conv1_1"), Shape(64, 698, 698))
        for c in [c8, c16, c32] {
            XCTAssertEqual(c.input, Pair(500), "the spec's example size")
            XCTAssertEqual(c.shapes[c.graph.output], Shape(21, 500, 500), c.spec.name)
            XCTAssertEqual(c.graph[c.graph.output].name, "score")
        }
    }

    func testAlexNetShapesAt500() {
        guard let c = FoundationFixtures.compiled("fcn-alexnet", input: Pair(500)) else { return }
        XCTAssertEqual(shape(c, "conv1"), Shape(96, 173, 173))   // (500 + 200 - 11) / 4 + 1
        XCTAssertEqual(shape(c, "pool5"), Shape(256, 21, 21))
        XCTAssertEqual(shape(c, "fc6"), Shape(4096, 16, 16))
        XCTAssertEqual(shape(c, "upscore"), Shape(21, 543, 543))  // 32 * 15 + 63
        XCTAssertEqual(shape(c, "score"), Shape(21, 500, 500))
    }

    /// For every shipped model, every H and every W from 1 to 1024 is valid and gives an
    /// output of the input's size: ValidSizesPass's proof, and the same by the test's chain.
    func testOutputEqualsInputForEverySize() {
        let limit = 1024
        for model in FoundationFixtures.shippedModels {
            guard let c = FoundationFixtures.compiled(model, sizeLimit: 8) else { continue }
            let v = ValidSizesPass().run(c.graph, limit: limit)
            XCTAssertEqual(v.smallest, [1, 1], model)
            XCTAssertEqual(v.gaps, [[], []], model)
            XCTAssertEqual(v.outputMismatches, [[], []], model)
            XCTAssertTrue(v.everySizeValid, model)
            for axis in 0..<2 {
                for size in 1...limit {
                    guard let sizes = caffeChain(c.graph, axis: axis, size: size) else {
                        XCTFail("\(model): size \(size) fails on axis \(axis)"); break
                    }
                    if sizes[c.graph.output] != size { XCTFail("\(model): output \(sizes[c.graph.output]) for input \(size)"); break }
                }
            }
        }
    }

    /// The per-axis chain and the 2-D pass agree on non-square inputs.
    func testNonSquareInputs() {
        let sizes = [Pair(1, 1), Pair(1, 1024), Pair(1024, 1), Pair(375, 500), Pair(500, 375), Pair(17, 3), Pair(333, 64), Pair(31, 33)]
        for model in ["fcn8s", "fcn4s", "fcn-alexnet"] {
            guard let c = FoundationFixtures.compiled(model) else { continue }
            for size in sizes {
                let d = Diagnostics()
                guard let shapes = InferShapesPass(diagnostics: d).run(c.graph, input: size) else {
                    XCTFail("\(model) at \(size): " + FoundationFixtures.render(d)); continue
                }
                XCTAssertFalse(d.hasErrors)
                XCTAssertEqual(shapes[c.graph.output], Shape(21, size.h, size.w), "\(model) at \(size)")
                guard let hs = caffeChain(c.graph, axis: 0, size: size.h), let ws = caffeChain(c.graph, axis: 1, size: size.w) else {
                    XCTFail("chain fails at \(size)"); continue
                }
                for (id, n) in c.graph.nodes.enumerated() {
                    XCTAssertEqual(shapes[id], Shape(n.channels, hs[id], ws[id]), "\(model).\(n.name) at \(size)")
                }
            }
        }
        // Whole-pipeline compile at a non-square size.
        guard let c = FoundationFixtures.compiled("fcn8s", input: Pair(375, 500)) else { return }
        XCTAssertEqual(c.input, Pair(375, 500))
        XCTAssertEqual(shape(c, "pool5"), Shape(512, 18, 22))   // 375 + 198 = 573 -> 287, 144, 72, 36, 18
        XCTAssertEqual(shape(c, "upscore8"), Shape(21, 440, 568))
        XCTAssertEqual(c.shapes[c.graph.output], Shape(21, 375, 500))
    }

    func testParamsMACsAndReceptiveField() {
        guard let c = FoundationFixtures.compiled("fcn8s", input: Pair(500)) else { return }
        // Independent count: every conv has out * in/group * kh * kw weights + out biases; the
        // fixed bilinear upsamplers have none.
        var expected = 0
        for n in c.graph.nodes where n.op == .conv {
            let inC = c.graph[n.inputs[0]].channels
            expected += n.params.out * inC * n.params.kernel.h * n.params.kernel.w + n.params.out
        }
        let params = c.layers.reduce(0) { $0 + $1.params }
        XCTAssertEqual(params, expected)
        XCTAssertEqual(params, 134_362_751)
        XCTAssert((134_000_000..<135_000_000).contains(params), "the paper's 134M")
        XCTAssertEqual(c.layers.first { $0.name == "fc6" }?.params, 4096 * 512 * 49 + 4096)
        XCTAssertEqual(c.layers.filter { $0.op == "deconv" }.map(\.params), [0, 0, 0])

        let rf = Dictionary(uniqueKeysWithValues: c.layers.map { ($0.name, $0.receptiveField) })
        XCTAssertEqual(rf["fc6"], [404, 404], "the paper's receptive field")
        XCTAssertEqual(rf["conv1_1"], [3, 3])
        XCTAssertEqual(rf["pool5"], [212, 212])
        XCTAssertEqual(c.layers.first { $0.name == "pool5" }?.stride, ["32", "32"])
        XCTAssertEqual(c.layers.first { $0.name == "score" }?.stride, ["1", "1"])

        let macs = c.layers.reduce(0) { $0 + $1.macs }
        XCTAssert((180_000_000_000..<183_000_000_000).contains(macs), "about 181G MACs, found \(macs)")
        let fc6 = c.layers.first { $0.name == "fc6" }?.macs ?? 0
        XCTAssertEqual(fc6, 16 * 16 * 4096 * 512 * 49)
        XCTAssertEqual(Double(fc6) / Double(macs), 0.145, accuracy: 0.01, "fc6 is about 14%")
    }

    /// The numbers are input-size dependent; the chain is not hiding a fixed size.
    func testShapesScaleWithInput() {
        for size in [1, 32, 33, 224, 1000] {
            guard let c = FoundationFixtures.compiled("fcn32s", input: Pair(size)) else { continue }
            // pool5 = ceil-ish through five pools of (size + 198): check against the chain.
            let chain = caffeChain(c.graph, axis: 0, size: size)
            XCTAssertEqual(chain.map { $0[c.graph.output] }, size)
            XCTAssertEqual(shape(c, "pool5")?.h, chain.map { $0[c.graph.id(named: "pool5")!] })
            XCTAssertEqual(c.shapes[c.graph.output], Shape(21, size, size))
        }
    }

    func testNonPositiveInputIsAnError() {
        for size in [Pair(0), Pair(-5, 3), Pair(3, 0)] {
            let (c, d) = FoundationFixtures.compile(FoundationFixtures.model("fcn8s"), input: size)
            XCTAssertNil(c, "\(size)")
            XCTAssertEqual(d.errors.map(\.id), [.inputTooSmall], FoundationFixtures.render(d))
            // At the input's `input:` key, which fcn8s inherits from fcn32s.yaml (line 4).
            XCTAssertEqual(d.errors.first?.location, SourceLocation(file: FoundationFixtures.modelsDir.appendingPathComponent("fcn32s.yaml").path, line: 4, column: 1))
        }
    }

    func testPoolRoundingRules() {
        // Caffe's ceil rounding with the "last window starts inside" correction, and floor.
        func pool(_ k: Int, _ s: Int, _ p: Int, _ rounding: Rounding = .ceil) -> Node {
            var params = Params()
            params.kernel = Pair(k); params.stride = Pair(s); params.pad = Pair(p); params.rounding = rounding
            return Node(name: "p", op: .pool, inputs: [0], params: params, location: .generated(), origin: "test")
        }
        func out(_ n: Node, _ size: Int) -> Int? { try? ShapeRules.outSize(n, axis: 0, input: size).get() }
        XCTAssertEqual(out(pool(2, 2, 0), 5), 3)
        XCTAssertEqual(out(pool(2, 2, 0, .floor), 5), 2)
        XCTAssertEqual(out(pool(3, 2, 0), 4), 2)          // ceil(1/2) + 1
        XCTAssertEqual(out(pool(3, 2, 1), 4), 3)          // ceil(3/2) + 1 = 3; 2*2 < 4+1 keeps it
        XCTAssertEqual(out(pool(2, 2, 1), 1), 1)          // ceil(1/2) + 1 = 2; 1*2 >= 1+1 drops the last window
        XCTAssertEqual(out(pool(3, 2, 2), 2), 2)          // ceil(3/2) + 1 = 3; 2*2 >= 2+2 -> 2
        XCTAssertEqual(out(pool(2, 2, 0), 1), nil)        // kernel larger than the input
        for k in 1...4 { for s in 1...3 { for p in 0..<k { for size in 1...40 {
            let n = pool(k, s, p)
            XCTAssertEqual(out(n, size), caffeSize(n, axis: 0, input: size, reference: nil), "k\(k) s\(s) p\(p) at \(size)")
        } } } }
    }
}
