// The pool lowering keeps Caffe's output size under every reading of ONNX's ceil_mode:
// checked exhaustively on small sizes against the three formulas.

import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNONNX

final class ONNXPoolLoweringTests: XCTestCase {
    func params(k: Int, s: Int, p: Int, method: PoolMethod = .max) -> Params {
        var pp = Params()
        pp.kernel = Pair(k); pp.stride = Pair(s); pp.pad = Pair(p); pp.method = method
        return pp
    }

    func floorOut(_ n: Int, k: Int, s: Int, begin: Int, end: Int) -> Int { (n + begin + end - k) / s + 1 }

    func testSensitivityMatchesWhereTheFormulasDiffer() {
        for k in 1...6 { for s in 1...5 { for p in 0..<k {
            var differs = false
            for n in 1...40 where n + 2 * p >= k {
                let caffe = ONNXPoolLowering.caffeCeil(n, k: k, s: s, p: p)
                if caffe != ONNXPoolLowering.onnxCeil(n, k: k, s: s, p: p)
                    || caffe != ONNXPoolLowering.runtimeCeil(n, k: k, s: s, p: p) { differs = true }
            }
            // Sensitive is exact: it never misses a difference, and flags only kernels that have one.
            XCTAssertEqual(ONNXPoolLowering.isSensitive(k: k, s: s, p: p), differs, "k\(k) s\(s) p\(p)")
        }}}
    }

    /// Caffe's divisor for the window starting at `start` (1-D): clipped to [-p, n + p).
    func caffeDivisor(start: Int, k: Int, n: Int, p: Int) -> Int { min(start + k, n + p) - max(start, -p) }

    /// Every fixed-size lowering, on both axes (sizes differ per axis, so one axis can need a
    /// fix-up while the other overflows in ceil mode): Caffe's count, and for average pools
    /// Caffe's divisor on every window that holds data.
    func testFixedSizeLoweringGivesCaffesCountAndDivisors() throws {
        var seen = Set<String>()
        for method in [PoolMethod.max, .avg] {
            for k in 1...5 { for s in 1...4 { for p in 0..<k { for n in 1...24 where n + 2 * p >= k {
                for m in 1...24 where m + 2 * p >= k {
                    let size = Pair(n, m)
                    let lowering = try ONNXPoolLowering.choose(params(k: k, s: s, p: p, method: method), inputSize: size, layer: "p")
                    let name: String
                    var end: Pair?
                    switch lowering {
                    case .direct(let ceil):
                        name = "direct"
                        XCTAssertTrue(ceil)
                    case .floorWithEndPads(let e):
                        name = "floorWithEndPads"
                        end = e
                        // onnxruntime requires every pad to be smaller than the kernel.
                        XCTAssertTrue(e.h >= 0 && e.h < k && e.w >= 0 && e.w < k, "k\(k) s\(s) p\(p) \(size)")
                    case .explicitPad(let e):
                        name = "explicitPad"
                        end = try XCTUnwrap(e)
                    case .averageWithDivisor(let e):
                        name = "averageWithDivisor"
                        XCTAssertEqual(method, .avg)
                        end = try XCTUnwrap(e)
                    }
                    seen.insert("\(method) \(name)")
                    for axis in 0..<2 {
                        let len = size[axis]
                        let caffe = ONNXPoolLowering.caffeCeil(len, k: k, s: s, p: p)
                        let why = "\(method) k\(k) s\(s) p\(p) \(size) axis \(axis): \(lowering)"
                        guard let e = end?[axis] else {
                            XCTAssertEqual(ONNXPoolLowering.onnxCeil(len, k: k, s: s, p: p), caffe, why)
                            XCTAssertEqual(ONNXPoolLowering.runtimeCeil(len, k: k, s: s, p: p), caffe, why)
                            continue
                        }
                        XCTAssertEqual(floorOut(len, k: k, s: s, begin: p, end: e), caffe, why)
                        guard method == .avg else { continue }
                        for o in 0..<caffe {
                            let start = o * s - p
                            guard start < len && start + k > 0 else { continue }   // no data: the sum is 0 either way
                            let divisor: Int
                            switch lowering {
                            case .floorWithEndPads: divisor = min(start + k, len + e) - start   // count_include_pad = 1
                            case .explicitPad: divisor = k                                        // the padding is data now
                            default: divisor = caffeDivisor(start: start, k: k, n: len, p: p)     // the count map
                            }
                            XCTAssertEqual(divisor, caffeDivisor(start: start, k: k, n: len, p: p), "\(why) window \(o)")
                        }
                    }
                }
            }}}}
        }
        XCTAssertEqual(seen, ["max direct", "max floorWithEndPads", "max explicitPad", "avg direct", "avg floorWithEndPads",
                              "avg explicitPad", "avg averageWithDivisor"])
    }

    func testPadAtLeastTheKernelIsRefused() {
        XCTAssertThrowsError(try ONNXPoolLowering.choose(params(k: 2, s: 2, p: 2), inputSize: nil, layer: "p")) {
            XCTAssertTrue("\($0)".contains("layer 'p': pool pad"), "\($0)")
        }
    }

    /// The dynamic end-pad arithmetic (as the exported Shape/Div/Min/... nodes compute it).
    func testDynamicEndPadFormula() {
        for k in 1...6 { for s in 1...5 { for p in 0..<k where ONNXPoolLowering.isSensitive(k: k, s: s, p: p) {
            for n in 1...60 where n + 2 * p >= k {
                let ceilQ = (n + 2 * p - k + s - 1) / s
                let startQ = (n + (p > 0 ? p - 1 : 1 << 40)) / s
                let end = min(ceilQ, startQ) * s + k - p - n
                XCTAssertEqual(floorOut(n, k: k, s: s, begin: p, end: end), ONNXPoolLowering.caffeCeil(n, k: k, s: s, p: p),
                               "k\(k) s\(s) p\(p) n\(n)")
            }
            XCTAssertEqual(try? ONNXPoolLowering.choose(params(k: k, s: s, p: p), inputSize: nil, layer: "p"), .explicitPad(end: nil))
            XCTAssertEqual(try? ONNXPoolLowering.choose(params(k: k, s: s, p: p, method: .avg), inputSize: nil, layer: "p"),
                           .averageWithDivisor(end: nil))
        }}}
    }

    func testFCNPoolsAreDirect() throws {
        // VGG (k2 s2 p0) and AlexNet (k3 s2 p0) pools are exact with ceil_mode = 1 at every size.
        XCTAssertEqual(try ONNXPoolLowering.choose(params(k: 2, s: 2, p: 0), inputSize: nil, layer: "p"), .direct(ceil: true))
        XCTAssertEqual(try ONNXPoolLowering.choose(params(k: 3, s: 2, p: 0), inputSize: nil, layer: "p"), .direct(ceil: true))
        var floor = params(k: 2, s: 2, p: 1)
        floor.rounding = .floor
        XCTAssertEqual(try ONNXPoolLowering.choose(floor, inputSize: nil, layer: "p"), .direct(ceil: false))
    }
}
