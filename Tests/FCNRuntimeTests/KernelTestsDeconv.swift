// Fast deconv2d (GEMM + windowed col2im) and the separable per-channel upsample against the naive
// definitions: random geometry, input windows, output windows (folded crops), groups, tiling.
// Also the bilinear kernels of the FCN surgery and upsample == dense diagonal deconv.

import XCTest
import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsDeconv: XCTestCase {
    func runDeconv(_ input: WindowedCase, weights: [Float], bias: [Float]?, params p: ConvParams,
                   window: OutputWindow?, scratchCount: Int?, threads: Int) -> NaiveTensor {
        let full = p.deconvOutputSize(height: input.height, width: input.width)
        let win = window ?? .full(height: full.height, width: full.width)
        let need = Kernels.deconv2dScratchCount(params: p, inputHeight: input.height,
                                                inputWidth: input.width, outputWindow: window)
        return input.withWindow { x in
            runKernel(shape: [input.buffer.n, p.outChannels, win.height, win.width]) { out in
                withScratch(scratchCount ?? need) { scratch, cap in
                    weights.withUnsafeBufferPointer { w in
                        let b = bias.map { bias in bias.withUnsafeBufferPointer { $0.baseAddress! } }
                        Kernels.deconv2d(input: x, batch: input.buffer.n, weights: w.baseAddress!, bias: b,
                                         params: p, outputWindow: window, output: out, scratch: scratch,
                                         scratchCapacity: cap, threads: threads)
                    }
                }
            }
        }
    }

    func randomWindow(full: (height: Int, width: Int), rng: inout SplitMix64) -> OutputWindow? {
        if rng.nextInt(in: 0...2) == 0 { return nil }
        let h = rng.nextInt(in: 1...full.height), w = rng.nextInt(in: 1...full.width)
        return OutputWindow(y0: rng.nextInt(in: 0...(full.height - h)), x0: rng.nextInt(in: 0...(full.width - w)),
                            height: h, width: w)
    }

    func naiveWindow(_ t: NaiveTensor, _ win: OutputWindow?) -> NaiveTensor {
        guard let win else { return t }
        return Naive.crop(t, y0: win.y0, x0: win.x0, height: win.height, width: win.width)
    }

    func testDeconvMatchesNaiveOnRandomShapes() {
        var rng = SplitMix64(seed: 0xDEC0)
        var checked = 0
        for trial in 0..<200 {
            let groups = rng.nextInt(in: 1...2)
            let p = ConvParams(
                inChannels: groups * rng.nextInt(in: 1...3), outChannels: groups * rng.nextInt(in: 1...3),
                kernelH: rng.nextInt(in: 1...4), kernelW: rng.nextInt(in: 1...4),
                strideH: rng.nextInt(in: 1...3), strideW: rng.nextInt(in: 1...3),
                padH: rng.nextInt(in: 0...2), padW: rng.nextInt(in: 0...2),
                dilationH: rng.nextInt(in: 1...2), dilationW: rng.nextInt(in: 1...2), groups: groups)
            let h = rng.nextInt(in: 1...6), w = rng.nextInt(in: 1...6)
            let full = p.deconvOutputSize(height: h, width: w)
            if full.height <= 0 || full.width <= 0 { continue }
            let input = WindowedCase.random(batch: rng.nextInt(in: 1...2), channels: p.inChannels,
                                            height: h, width: w, rng: &rng)
            let weights = randomArray(p.weightCount, rng: &rng)
            let bias = rng.nextBool() ? randomArray(p.outChannels, rng: &rng) : nil
            let window = randomWindow(full: full, rng: &rng)
            // Every third trial: scratch for a single input row, forcing one tile per row.
            let colRow = (p.outChannels / groups) * p.kernelH * p.kernelW * w
            let got = runDeconv(input, weights: weights, bias: bias, params: p, window: window,
                                scratchCount: trial % 3 == 0 ? colRow : nil, threads: 1 + trial % 2)
            let want = naiveWindow(Naive.deconv2d(input.dense, weights: weights, bias: bias, params: p), window)
            assertClose(got, want, "trial \(trial) \(p) \(input.description) window \(String(describing: window))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 150)
    }

    func testDeconvScratchShrinksWithOutputWindow() {
        let p = ConvParams(inChannels: 21, outChannels: 21, kernel: 16, stride: 8)
        let all = Kernels.deconv2dScratchCount(params: p, inputHeight: 70, inputWidth: 70, budgetBytes: 1 << 40)
        XCTAssertEqual(all, 21 * 16 * 16 * 70 * 70)
        let corner = Kernels.deconv2dScratchCount(params: p, inputHeight: 70, inputWidth: 70,
                                                  outputWindow: OutputWindow(y0: 0, x0: 0, height: 8, width: 8),
                                                  budgetBytes: 1 << 40)
        XCTAssertEqual(corner, 21 * 16 * 16 * 1 * 1)
        XCTAssertEqual(p.deconvOutputSize(height: 70, width: 70).height, 568)   // FCN-8s upscore8 at 500
    }

    func testBilinearKernels() {
        XCTAssertEqual(Kernels.bilinearKernel1D(4), [0.25, 0.75, 0.75, 0.25])
        XCTAssertEqual(Kernels.bilinearKernel1D(3), [0.5, 1, 0.5])
        XCTAssertEqual(Kernels.bilinearKernel1D(1), [1])
        for k in [2, 3, 4, 5, 16, 32, 63, 64] {
            let k1 = Kernels.bilinearKernel1D(k)
            XCTAssertEqual(k1.count, k)
            let dense = Kernels.bilinearWeights(kernel: k, channels: 3)
            let k2 = Naive.bilinearKernel2D(k)
            for ci in 0..<3 { for co in 0..<3 {
                let plane = Array(dense[((ci * 3 + co) * k * k)..<((ci * 3 + co + 1) * k * k)])
                if ci == co {
                    XCTAssertLessThanOrEqual(maxRelativeError(plane, k2), 1e-6, "k=\(k)")
                } else {
                    XCTAssertEqual(plane, [Float](repeating: 0, count: k * k), "off-diagonal k=\(k)")
                }
            }}
        }
    }

    func runUpsample(_ input: WindowedCase, params p: UpsampleParams, window: OutputWindow?,
                     threads: Int) -> NaiveTensor {
        let full = p.outputSize(height: input.height, width: input.width)
        let win = window ?? .full(height: full.height, width: full.width)
        return input.withWindow { x in
            runKernel(shape: [input.buffer.n, input.buffer.c, win.height, win.width]) { out in
                Kernels.bilinearUpsample(input: x, batch: input.buffer.n, params: p, outputWindow: window,
                                         output: out, threads: threads)
            }
        }
    }

    func testUpsampleMatchesNaiveOnRandomKernels() {
        var rng = SplitMix64(seed: 0x0B11)
        var checked = 0
        for trial in 0..<200 {
            let p = UpsampleParams(kernelY: randomArray(rng.nextInt(in: 1...6), rng: &rng),
                                   kernelX: randomArray(rng.nextInt(in: 1...6), rng: &rng),
                                   strideY: rng.nextInt(in: 1...3), strideX: rng.nextInt(in: 1...3),
                                   padY: rng.nextInt(in: 0...2), padX: rng.nextInt(in: 0...2))
            let h = rng.nextInt(in: 1...6), w = rng.nextInt(in: 1...6)
            let full = p.outputSize(height: h, width: w)
            if full.height <= 0 || full.width <= 0 { continue }
            let input = WindowedCase.random(batch: rng.nextInt(in: 1...2), channels: rng.nextInt(in: 1...3),
                                            height: h, width: w, rng: &rng)
            let window = randomWindow(full: full, rng: &rng)
            let got = runUpsample(input, params: p, window: window, threads: 1 + trial % 2)
            let want = naiveWindow(Naive.upsample(input.dense, kernelY: p.kernelY, kernelX: p.kernelX,
                                                  strideY: p.strideY, strideX: p.strideX,
                                                  padY: p.padY, padX: p.padX), window)
            assertClose(got, want, "trial \(trial) \(p) \(input.description) window \(String(describing: window))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 150)
    }

    func testBilinearUpsampleEqualsDiagonalDeconv() {
        var rng = SplitMix64(seed: 8)
        // (kernel, stride, pad) as in FCN (k = 2s) plus odd kernels and a padded one.
        for (k, s, pad) in [(4, 2, 0), (16, 8, 0), (8, 4, 0), (3, 2, 0), (5, 2, 1), (4, 2, 1)] {
            let c = 3
            let input = WindowedCase.random(batch: 2, channels: c, height: rng.nextInt(in: 1...4),
                                            width: rng.nextInt(in: 1...4), rng: &rng)
            let cp = ConvParams(inChannels: c, outChannels: c, kernel: k, stride: s, pad: pad)
            let full = cp.deconvOutputSize(height: input.height, width: input.width)
            let window: OutputWindow? = full.height > 2 && full.width > 2
                ? OutputWindow(y0: 1, x0: 2, height: full.height - 2, width: full.width - 2) : nil
            let weights = Kernels.bilinearWeights(kernel: k, channels: c)
            let up = runUpsample(input, params: .bilinear(kernel: k, stride: s, pad: pad), window: window,
                                 threads: 1)
            let dense = runDeconv(input, weights: weights, bias: nil, params: cp, window: window,
                                  scratchCount: nil, threads: 2)
            let naive = naiveWindow(Naive.deconv2d(input.dense, weights: weights, bias: nil, params: cp), window)
            assertClose(up, dense, "k\(k) s\(s) p\(pad) vs fast deconv")
            assertClose(up, naive, "k\(k) s\(s) p\(pad) vs naive deconv")
        }
    }

    func testBilinearUpsampleInterpolatesInterior() {
        // k = 2s: away from the borders the output is an exact linear interpolation of a ramp.
        let s = 4, k = 8
        let ramp = WindowedCase(buffer: NaiveTensor(shape: [1, 1, 1, 6], values: [0, 1, 2, 3, 4, 5]),
                                y0: 0, x0: 0, height: 1, width: 6)
        let p = UpsampleParams(kernelY: [1], kernelX: Kernels.bilinearKernel1D(k), strideY: 1, strideX: s)
        let out = runUpsample(ramp, params: p, window: nil, threads: 1)
        // Output x corresponds to input coordinate (x - (k - 1) / 2) / s.
        for x in k..<(out.w - k) {
            XCTAssertEqual(out.values[x], (Float(x) - Float(k - 1) / 2) / Float(s), accuracy: 1e-5)
        }
    }
}
