// Fast max/avg pooling against the naive Caffe definition (ceil rounding, pad fix-up, average
// divisor clipped to the padded input) on random shapes and windows, plus worked examples.

import XCTest
import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsPool: XCTestCase {
    func runPool(_ input: WindowedCase, params p: PoolParams, average: Bool, threads: Int) -> NaiveTensor {
        let (oh, ow) = p.outputSize(height: input.height, width: input.width)
        return input.withWindow { x in
            runKernel(shape: [input.buffer.n, input.buffer.c, oh, ow]) { out in
                if average {
                    Kernels.avgPool(input: x, batch: input.buffer.n, params: p, output: out, threads: threads)
                } else {
                    Kernels.maxPool(input: x, batch: input.buffer.n, params: p, output: out, threads: threads)
                }
            }
        }
    }

    func testPoolingMatchesNaiveOnRandomShapes() {
        var rng = SplitMix64(seed: 0x9001)
        for trial in 0..<300 {
            let kh = rng.nextInt(in: 1...4), kw = rng.nextInt(in: 1...4)
            // Caffe requires pad < kernel.
            let p = PoolParams(kernelH: kh, kernelW: kw, strideH: rng.nextInt(in: 1...3),
                               strideW: rng.nextInt(in: 1...3), padH: rng.nextInt(in: 0...min(2, kh - 1)),
                               padW: rng.nextInt(in: 0...min(2, kw - 1)))
            let h = rng.nextInt(in: max(1, kh - 2 * p.padH)...9), w = rng.nextInt(in: max(1, kw - 2 * p.padW)...9)
            let input = WindowedCase.random(batch: rng.nextInt(in: 1...2), channels: rng.nextInt(in: 1...3),
                                            height: h, width: w, rng: &rng)
            let average = trial % 2 == 1
            let got = runPool(input, params: p, average: average, threads: 1 + (trial / 2) % 2)
            let want = average ? Naive.avgPool(input.dense, params: p) : Naive.maxPool(input.dense, params: p)
            assertClose(got, want, "trial \(trial) \(p) average=\(average) \(input.description)")
        }
    }

    func testCaffeOutputSizes() {
        // Rounds up: 5 -> 3 with k2 s2; VGG pools at 500 (conv1 698 -> 349 -> 175 -> 88 -> 44 -> 22).
        XCTAssertEqual(PoolParams(kernel: 2, stride: 2).outputSize(height: 5, width: 5).height, 3)
        var size = 698
        for expected in [349, 175, 88, 44, 22] {
            size = PoolParams(kernel: 2, stride: 2).outputSize(height: size, width: size).height
            XCTAssertEqual(size, expected)
        }
        // Fix-up: 1 + 2*1 - 2 over 2, rounded up, + 1 = 2, but window 1 would start in the right pad.
        XCTAssertEqual(PoolParams(kernel: 2, stride: 2, pad: 1).outputSize(height: 1, width: 1).height, 1)
        XCTAssertEqual(Naive.pooledSize(1, kernel: 2, stride: 2, pad: 1), 1)
        XCTAssertEqual(PoolParams(kernel: 3, stride: 2, pad: 1).outputSize(height: 4, width: 4).height, 3)
    }

    func testAverageDivisorCountsPaddingButNotOverhang() {
        // 2x2 ones, k3 s1 p1: each window covers the padded 4x4 input -> divisor 9, sum 4.
        let ones = WindowedCase(buffer: NaiveTensor(shape: [1, 1, 2, 2], repeating: 1), y0: 0, x0: 0,
                                height: 2, width: 2)
        let out = runPool(ones, params: PoolParams(kernel: 3, stride: 1, pad: 1), average: true, threads: 1)
        XCTAssertEqual(out.shape, [1, 1, 2, 2])
        for v in out.values { XCTAssertEqual(v, 4.0 / 9.0, accuracy: 1e-6) }
        // 3x3 ones, k2 s2 p0: ceil gives 2x2; the overhanging last window divides by its clipped size.
        let ones3 = WindowedCase(buffer: NaiveTensor(shape: [1, 1, 3, 3], repeating: 1), y0: 0, x0: 0,
                                 height: 3, width: 3)
        let out3 = runPool(ones3, params: PoolParams(kernel: 2, stride: 2), average: true, threads: 1)
        XCTAssertEqual(out3.values, [1, 1, 1, 1])
        let max3 = runPool(ones3, params: PoolParams(kernel: 2, stride: 2), average: false, threads: 1)
        XCTAssertEqual(max3.values, [1, 1, 1, 1])
    }
}
