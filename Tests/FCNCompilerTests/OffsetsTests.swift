// Crop offsets of the shipped models: the reference values (fcn-facts: FCN-32s 19;
// FCN-16s 5, 27; FCN-8s 5, 9, 31; FCN-AlexNet 18), the worked coordinate maps, and an
// independent re-derivation of every offset (fcn4s included) with the test's own
// rational arithmetic, written from Caffe's coord_map rules rather than the compiler's.

import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

/// A minimal exact fraction, independent of FCNCompiler's Rational.
private struct Q: Equatable, CustomStringConvertible {
    var n: Int, d: Int
    init(_ n: Int, _ d: Int = 1) {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? abs(a) : gcd(b, a % b) }
        let g = max(gcd(n, d), 1), s = d < 0 ? -1 : 1
        self.n = s * n / g
        self.d = s * d / g
    }
    static func + (x: Q, y: Q) -> Q { Q(x.n * y.d + y.n * x.d, x.d * y.d) }
    static func - (x: Q, y: Q) -> Q { Q(x.n * y.d - y.n * x.d, x.d * y.d) }
    static func * (x: Q, y: Q) -> Q { Q(x.n * y.n, x.d * y.d) }
    static func / (x: Q, y: Q) -> Q { Q(x.n * y.d, x.d * y.n) }
    var description: String { d == 1 ? "\(n)" : "\(n)/\(d)" }
}

/// top = a * x + b, x in network-input coordinates, one axis.
private struct Affine: Equatable { var a: Q; var b: Q }

/// Re-derives each node's map from its parameters (Caffe coord_map), and each crop offset
/// as b_X - b_R (valid only when a_X == a_R). Returns offsets by crop name.
private func independentOffsets(_ g: Graph, axis: Int = 0) -> (maps: [String: Affine], offsets: [String: Int]) {
    var maps: [Affine] = []
    var offsets: [String: Int] = [:]
    var byName: [String: Affine] = [:]
    for n in g.nodes {
        let p = n.params
        let m: Affine
        switch n.op {
        case .input:
            m = Affine(a: Q(1), b: Q(0))
        case .conv, .pool:
            let k = n.op == .pool ? p.kernel[axis] : p.dilation[axis] * (p.kernel[axis] - 1) + 1
            let s = Q(p.stride[axis]), own = Affine(a: Q(1) / s, b: (Q(p.pad[axis]) - Q(k - 1, 2)) / s)
            let x = maps[n.inputs[0]]
            m = Affine(a: own.a * x.a, b: own.a * x.b + own.b)
        case .deconv:
            let k = p.dilation[axis] * (p.kernel[axis] - 1) + 1
            let own = Affine(a: Q(p.stride[axis]), b: Q(k - 1, 2) - Q(p.pad[axis]))
            let x = maps[n.inputs[0]]
            m = Affine(a: own.a * x.a, b: own.a * x.b + own.b)
        case .crop:
            let x = maps[n.inputs[0]], r = maps[n.like ?? 0]
            XCTAssertEqual(x.a, r.a, "crop \(n.name): scales differ")
            let off = x.b - r.b
            XCTAssertEqual(off.d, 1, "crop \(n.name): offset \(off) is not an integer")
            offsets[n.name] = off.n
            m = r
        default:
            m = maps[n.inputs[0]]
        }
        maps.append(m)
        byName[n.name] = m
    }
    return (byName, offsets)
}

final class OffsetsTests: XCTestCase {
    func offsets(_ c: Compilation) -> [String: Int] {
        var out: [String: Int] = [:]
        for n in c.graph.nodes where n.op == .crop {
            guard let o = n.cropOffset else { XCTFail("\(n.name) has no offset"); continue }
            XCTAssertEqual(o.h, o.w, "\(n.name): square models give equal offsets")
            out[n.name] = o.h
        }
        return out
    }

    func testReferenceOffsets() {
        let expected: [String: [String: Int]] = [
            "fcn32s": ["score": 19],
            "fcn16s": ["score_pool4c": 5, "score": 27],
            "fcn8s": ["score_pool4c": 5, "score_pool3c": 9, "score": 31],
            "fcn8s-atonce": ["score_pool4c": 5, "score_pool3c": 9, "score": 31],
            "fcn-alexnet": ["score": 18],
        ]
        for (model, want) in expected.sorted(by: { $0.key < $1.key }) {
            guard let c = FoundationFixtures.compiled(model) else { continue }
            XCTAssertEqual(offsets(c), want, model)
        }
    }

    func testCropOrderInFCN8s() {
        guard let c = FoundationFixtures.compiled("fcn8s") else { return }
        let crops = c.graph.nodes.filter { $0.op == .crop }.map { "\($0.name)=\($0.cropOffset?.h ?? -1)" }
        XCTAssertEqual(crops, ["score_pool4c=5", "score_pool3c=9", "score=31"])
        // Each crop crops the right thing to the right reference.
        let g = c.graph
        for (crop, x, r) in [("score_pool4c", "score_pool4", "upscore2"), ("score_pool3c", "score_pool3", "upscore_pool4"),
                             ("score", "upscore8", "input")] {
            guard let n = FoundationFixtures.node(g, crop) else { continue }
            XCTAssertEqual(g[n.inputs[0]].name, x)
            XCTAssertEqual(n.like.map { g[$0].name }, r)
        }
    }

    /// fcn-facts' worked maps from input coordinate x, checked on fcn8s nodes' `map`.
    func testWorkedCoordinateMapsFCN8s() {
        guard let c = FoundationFixtures.compiled("fcn8s") else { return }
        let worked: [(String, Rational, Rational)] = [
            ("conv1_1", Rational(1), Rational(99)),
            ("pool1", Rational(1, 2), Rational(4925, 100)),
            ("pool2", Rational(1, 4), Rational(24375, 1000)),
            ("pool3", Rational(1, 8), Rational(119375, 10000)),
            ("pool4", Rational(1, 16), Rational(571875, 100000)),
            ("pool5", Rational(1, 32), Rational(2609375, 1000000)),
            ("score_fr", Rational(1, 32), Rational(-390625, 1000000)),
            ("upscore2", Rational(1, 16), Rational(71875, 100000)),
            ("upscore_pool4", Rational(1, 8), Rational(29375, 10000)),
            ("upscore8", Rational(1), Rational(31)),
        ]
        for (name, a, b) in worked {
            guard let n = FoundationFixtures.node(c.graph, name), let m = n.map else { XCTFail("\(name) has no map"); continue }
            XCTAssertEqual(m.h, AxisMap(a: a, b: b), name)
            XCTAssertEqual(m.w, m.h, name)
        }
        // The printed form matches the notes' notation.
        XCTAssertEqual(FoundationFixtures.node(c.graph, "pool1")?.map?.description, "x/2 + 49.25")
        XCTAssertEqual(FoundationFixtures.node(c.graph, "score_fr")?.map?.description, "x/32 - 0.390625")
        // The final crop lines up with the input exactly.
        XCTAssertEqual(FoundationFixtures.node(c.graph, "score")?.map, .identity)
    }

    /// Every crop of every shipped model agrees with an independent derivation; fcn4s has no
    /// reference values, so this is its check (plus the hand derivation below).
    func testOffsetsMatchIndependentDerivation() {
        for model in FoundationFixtures.shippedModels {
            guard let c = FoundationFixtures.compiled(model) else { continue }
            let (maps, mine) = independentOffsets(c.graph)
            XCTAssertEqual(offsets(c), mine, model)
            XCTAssertFalse(mine.isEmpty, model)
            for n in c.graph.nodes {
                guard let m = n.map, let want = maps[n.name] else { XCTFail("\(model).\(n.name): no map"); continue }
                XCTAssertEqual(m.h.a.num * want.a.d, want.a.n * m.h.a.den, "\(model).\(n.name) scale")
                XCTAssertEqual(m.h.b.num * want.b.d, want.b.n * m.h.b.den, "\(model).\(n.name) shift")
            }
        }
    }

    func testFCN4sOffsets() {
        guard let c = FoundationFixtures.compiled("fcn4s") else { return }
        // By hand from the worked maps: pool2 is x/4 + 24.375; upscore_pool3 = deconv k4 s2 of
        // fuse_pool3 (x/8 + 2.9375) is x/4 + 7.375, so score_pool2c crops 24.375 - 7.375 = 17;
        // upscore4 (k8 s4) is 4(x/4 + 7.375) + 3.5 = x + 33.
        XCTAssertEqual(offsets(c), ["score_pool4c": 5, "score_pool3c": 9, "score_pool2c": 17, "score": 33])
        XCTAssertEqual(FoundationFixtures.node(c.graph, "upscore_pool3")?.map?.h, AxisMap(a: Rational(1, 4), b: Rational(59, 8)))
        XCTAssertEqual(FoundationFixtures.node(c.graph, "upscore4")?.params.kernel, Pair(8))
        XCTAssertEqual(FoundationFixtures.node(c.graph, "score")?.map, .identity)
    }

    /// The explanation agrees with the offsets and names the common ancestor.
    func testCropExplanations() {
        guard let c = FoundationFixtures.compiled("fcn8s") else { return }
        let ex = CropExplanation.all(c.graph)
        XCTAssertEqual(ex.map(\.crop), ["score_pool4c", "score_pool3c", "score"])
        XCTAssertEqual(ex.map(\.offset), [[5, 5], [9, 9], [31, 31]])
        XCTAssertEqual(ex.map(\.ancestor), ["pool4", "pool3", "input"])
        XCTAssertEqual(ex.last?.relative, "x - 31")
        XCTAssertEqual(ex.last?.referenceChain.count, 0)
        XCTAssertEqual(ex.last?.croppedChain.last?.cumulative, "x + 31")
    }

    /// Non-square parameters: the offset is derived per axis.
    func testPerAxisOffsets() throws {
        let (c, d) = FoundationFixtures.compile(FoundationFixtures.fixture("per-axis-ok.yaml"), input: Pair(20, 30))
        XCTAssertNotNil(c, FoundationFixtures.render(d))
        guard let c else { return }
        let crop = try XCTUnwrap(FoundationFixtures.node(c.graph, "out"))
        // conv pads [3, 1] with kernel 1: map x + 3 (height), x + 1 (width); crop like input.
        XCTAssertEqual(crop.cropOffset, Pair(3, 1))
        XCTAssertEqual(c.shapes[c.graph.output], Shape(4, 20, 30))
    }
}
