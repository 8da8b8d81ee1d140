// The pooling fast path (windows 2 or 3 columns wide, column stride 2) against the general path,
// bit for bit, over many shapes: odd and even sizes from 1, widths where ceil rounding leaves a
// partial last window, padding, floor rounding, batch 2, windows inside larger buffers, 1 and 2
// threads, and inputs holding NaN, +-inf and +-0. Max results also equal the naive definition.

import XCTest
@testable import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsPoolFast: XCTestCase {
    /// Runs the pool on `input` through the given path.
    func runPool(_ input: WindowedCase, params p: PoolParams, rounding: Rounding, average: Bool,
                 threads: Int, path: Kernels.PoolPath) -> NaiveTensor {
        let (oh, ow) = p.outputSize(height: input.height, width: input.width, rounding: rounding)
        return input.withWindow { x in
            runKernel(shape: [input.buffer.n, input.buffer.c, oh, ow]) { out in
                Kernels.pool(input: x, batch: input.buffer.n, params: p, rounding: rounding, output: out,
                             threads: threads, average: average, path: path)
            }
        }
    }

    /// A random case; with `specials`, about one value in six is +-NaN, +-inf or +-0, and some
    /// values repeat so ties between +0 and -0 occur.
    func randomCase(batch: Int, channels: Int, height: Int, width: Int, specials: Bool,
                    rng: inout SplitMix64) -> WindowedCase {
        var input = WindowedCase.random(batch: batch, channels: channels, height: height, width: width, rng: &rng)
        for i in input.buffer.values.indices {
            switch rng.nextInt(in: 0...12) {
            case 0: input.buffer.values[i] = specials ? .nan : 0
            case 1: input.buffer.values[i] = specials ? -.nan : 0.25
            case 2: input.buffer.values[i] = specials ? -.infinity : 0.5
            case 3: input.buffer.values[i] = specials ? .infinity : -0.5
            case 4: input.buffer.values[i] = -0.0
            case 5: input.buffer.values[i] = 0
            case 6...12: break
            default: XCTFail("rng out of range")
            }
        }
        return input
    }

    /// Same bits everywhere; with `anyNaN`, a NaN matches any NaN (sums of NaNs have no defined
    /// payload: LLVM may swap an addition's operands, and x86 keeps the first one's).
    func assertSameBits(_ got: NaiveTensor, _ want: NaiveTensor, anyNaN: Bool = false, _ what: @autoclosure () -> String,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.shape, want.shape, "shape: \(what())", file: file, line: line)
        guard got.values.count == want.values.count else { return }
        func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (anyNaN && a.isNaN && b.isNaN) }
        if let i = got.values.indices.first(where: { !same(got.values[$0], want.values[$0]) }) {
            XCTFail("element \(i): \(got.values[i]) != \(want.values[i]): \(what())", file: file, line: line)
        }
    }

    func testFastPathAppliesToVGGAlexNetAndResNetPoolsOnly() {
        XCTAssertTrue(Kernels.poolFastPathApplies(PoolParams(kernel: 2, stride: 2)))
        XCTAssertTrue(Kernels.poolFastPathApplies(PoolParams(kernel: 3, stride: 2)))
        XCTAssertTrue(Kernels.poolFastPathApplies(PoolParams(kernel: 3, stride: 2, pad: 1)))
        XCTAssertTrue(Kernels.poolFastPathApplies(PoolParams(kernelH: 1, kernelW: 2, strideH: 1, strideW: 2)))
        XCTAssertFalse(Kernels.poolFastPathApplies(PoolParams(kernel: 3, stride: 1, pad: 1)))
        XCTAssertFalse(Kernels.poolFastPathApplies(PoolParams(kernel: 4, stride: 2)))
        XCTAssertFalse(Kernels.poolFastPathApplies(PoolParams(kernel: 2, stride: 3)))
    }

    func testFastPathMatchesGeneralBitForBitOnManyShapes() {
        var rng = SplitMix64(seed: 0x9002)
        let widths = [1, 2, 3, 4, 5, 15, 16, 17, 18, 19, 20, 21, 31, 32, 33, 34, 35, 36, 37, 50, 51, 53]
        var trial = 0
        for kw in [2, 3] { for padW in 0..<kw { for w in widths {
            let kh = rng.nextInt(in: 1...3)
            let p = PoolParams(kernelH: kh, kernelW: kw, strideH: rng.nextInt(in: 1...3), strideW: 2,
                               padH: rng.nextInt(in: 0...(kh - 1)), padW: padW)
            let h = rng.nextInt(in: max(1, kh - 2 * p.padH)...7)
            guard w + 2 * padW >= kw else { continue }
            for average in [false, true] {
                trial += 1
                let rounding: Rounding = trial % 3 == 0 ? .floor : .ceil
                let input = randomCase(batch: 1 + trial % 2, channels: rng.nextInt(in: 1...3), height: h, width: w,
                                       specials: !average || trial % 2 == 0, rng: &rng)
                let threads = 1 + (trial / 2) % 2
                let fast = runPool(input, params: p, rounding: rounding, average: average, threads: threads, path: .fastest)
                let general = runPool(input, params: p, rounding: rounding, average: average, threads: threads, path: .general)
                assertSameBits(fast, general, anyNaN: average, "trial \(trial) \(p) \(rounding) average=\(average) threads=\(threads) \(input.description)")
            }
        }}}
        XCTAssertGreaterThan(trial, 200)
    }

    func testFastPathMatchesNaiveAtNetworkSizes() {
        // VGG pool1..pool5 at 500x500 (698 -> 349 -> 175 -> 88 -> 44 -> 22), ResNet's stem pool at
        // 520 (260 -> 130) and AlexNet's 3x3/2; finite values, so max equals the naive max exactly.
        var rng = SplitMix64(seed: 0x9003)
        let cases: [(PoolParams, Int)] = [
            (PoolParams(kernel: 2, stride: 2), 698), (PoolParams(kernel: 2, stride: 2), 349),
            (PoolParams(kernel: 2, stride: 2), 175), (PoolParams(kernel: 2, stride: 2), 88),
            (PoolParams(kernel: 2, stride: 2), 44), (PoolParams(kernel: 3, stride: 2, pad: 1), 260),
            (PoolParams(kernel: 3, stride: 2, pad: 1), 259), (PoolParams(kernel: 3, stride: 2), 55),
        ]
        for (i, (p, size)) in cases.enumerated() {
            let input = WindowedCase.random(batch: 1, channels: 2, height: 6, width: size, rng: &rng)
            for average in [false, true] {
                let got = runPool(input, params: p, rounding: .ceil, average: average, threads: 2, path: .fastest)
                let general = runPool(input, params: p, rounding: .ceil, average: average, threads: 1, path: .general)
                assertSameBits(got, general, "case \(i) \(p) width \(size) average=\(average)")
                if average {
                    assertClose(got, Naive.avgPool(input.dense, params: p), tol: 1e-6, "case \(i) average")
                } else {
                    assertSameBits(got, Naive.maxPool(input.dense, params: p), "case \(i) \(p) width \(size) naive max")
                }
            }
        }
    }

    func testOneByOneInputAndEmptyWindows() {
        // 1x1 input, k2 s2 p1 and k3 s2 p1: one window holding the single value.
        let one = WindowedCase(buffer: NaiveTensor(shape: [2, 1, 1, 1], values: [-3, 5]), y0: 0, x0: 0, height: 1, width: 1)
        for p in [PoolParams(kernel: 2, stride: 2, pad: 1), PoolParams(kernel: 3, stride: 2, pad: 1)] {
            let m = runPool(one, params: p, rounding: .ceil, average: false, threads: 2, path: .fastest)
            XCTAssertEqual(m.shape, [2, 1, 1, 1])
            XCTAssertEqual(m.values, [-3, 5])
            let a = runPool(one, params: p, rounding: .ceil, average: true, threads: 1, path: .fastest)
            // Caffe's pool size counts the window's padding: 2x2 (k2 p1: columns -1..0), 3x3 (k3 p1).
            let divisor: Float = p.kernelW == 2 ? 4 : 9
            XCTAssertEqual(a.values, [-3 / divisor, 5 / divisor])
        }
        // k1 x 2 s3 x 2 on 5 rows, ceil: output rows 0..2 read input rows 0, 3 and none (row 6):
        // the empty window gives Caffe's -FLT_MAX (max) and 0 (average).
        let rows = WindowedCase(buffer: NaiveTensor(shape: [1, 1, 5, 2], values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
                                y0: 0, x0: 0, height: 5, width: 2)
        let p = PoolParams(kernelH: 1, kernelW: 2, strideH: 3, strideW: 2)
        XCTAssertEqual(runPool(rows, params: p, rounding: .ceil, average: false, threads: 1, path: .fastest).values,
                       [2, 8, -.greatestFiniteMagnitude])
        XCTAssertEqual(runPool(rows, params: p, rounding: .ceil, average: true, threads: 1, path: .fastest).values, [1.5, 7.5, 0])
    }
}
