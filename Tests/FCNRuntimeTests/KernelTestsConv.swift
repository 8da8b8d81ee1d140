// Fast conv2d (tiled im2col + OpenBLAS, direct GEMM for 1x1) against the naive definition on
// random small shapes: strides 1-3, pads 0-2, dilation 1-2, groups 1-2, windows, batch 2,
// minimal and ample scratch, 1 and 2 threads.

import XCTest
import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsConv: XCTestCase {
    func runConv(_ input: WindowedCase, weights: [Float], bias: [Float]?, params p: ConvParams,
                 relu: Bool, scratchCount: Int, threads: Int) -> NaiveTensor {
        let (oh, ow) = p.convOutputSize(height: input.height, width: input.width)
        return input.withWindow { win in
            runKernel(shape: [input.buffer.n, p.outChannels, oh, ow]) { out in
                withScratch(scratchCount) { scratch, cap in
                    weights.withUnsafeBufferPointer { w in
                        if let bias {
                            bias.withUnsafeBufferPointer { b in
                                Kernels.conv2d(input: win, batch: input.buffer.n, weights: w.baseAddress!,
                                               bias: b.baseAddress!, params: p, relu: relu, output: out,
                                               scratch: scratch, scratchCapacity: cap, threads: threads)
                            }
                        } else {
                            Kernels.conv2d(input: win, batch: input.buffer.n, weights: w.baseAddress!,
                                           bias: nil, params: p, relu: relu, output: out,
                                           scratch: scratch, scratchCapacity: cap, threads: threads)
                        }
                    }
                }
            }
        }
    }

    func testConvMatchesNaiveOnRandomShapes() {
        var rng = SplitMix64(seed: 0xC0_4E)
        var checked = 0
        for trial in 0..<250 {
            let groups = rng.nextInt(in: 1...2)
            let p = ConvParams(
                inChannels: groups * rng.nextInt(in: 1...3), outChannels: groups * rng.nextInt(in: 1...3),
                kernelH: rng.nextInt(in: 1...3), kernelW: rng.nextInt(in: 1...3),
                strideH: rng.nextInt(in: 1...3), strideW: rng.nextInt(in: 1...3),
                padH: rng.nextInt(in: 0...2), padW: rng.nextInt(in: 0...2),
                dilationH: rng.nextInt(in: 1...2), dilationW: rng.nextInt(in: 1...2), groups: groups)
            let h = rng.nextInt(in: 1...9), w = rng.nextInt(in: 1...9)
            let (oh, ow) = p.convOutputSize(height: h, width: w)
            if oh <= 0 || ow <= 0 { continue }
            let input = WindowedCase.random(batch: rng.nextInt(in: 1...2), channels: p.inChannels,
                                            height: h, width: w, rng: &rng)
            let weights = randomArray(p.weightCount, rng: &rng)
            let bias = rng.nextBool() ? randomArray(p.outChannels, rng: &rng) : nil
            let relu = rng.nextBool()
            // Minimal scratch (one channel of one output row per tile: K is split and accumulated),
            // a few units, or the preferred size.
            let unit = p.kernelH * p.kernelW * ow
            let preferred = Kernels.conv2dScratchCount(params: p, inputHeight: h, inputWidth: w)
            let scratch = p.isPointwise ? 0 : [unit, 3 * unit + 1, preferred][trial % 3]
            let got = runConv(input, weights: weights, bias: bias, params: p, relu: relu,
                              scratchCount: scratch, threads: 1 + trial % 2)
            let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: relu)
            assertClose(got, want, "trial \(trial) \(p) \(input.description) relu=\(relu)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 150)
    }

    func testPointwiseConvOnWindowsAndFullBuffers() {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<40 {
            let groups = rng.nextInt(in: 1...2)
            let p = ConvParams(inChannels: groups * rng.nextInt(in: 1...4),
                               outChannels: groups * rng.nextInt(in: 1...4), kernel: 1, groups: groups)
            let input = WindowedCase.random(batch: rng.nextInt(in: 1...2), channels: p.inChannels,
                                            height: rng.nextInt(in: 1...7), width: rng.nextInt(in: 1...7),
                                            rng: &rng)
            let weights = randomArray(p.weightCount, rng: &rng)
            let bias = rng.nextBool() ? randomArray(p.outChannels, rng: &rng) : nil
            XCTAssertEqual(Kernels.conv2dScratchCount(params: p, inputHeight: input.height,
                                                      inputWidth: input.width), 0)
            let got = runConv(input, weights: weights, bias: bias, params: p, relu: trial % 3 == 0,
                              scratchCount: 0, threads: 1 + trial % 2)
            let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: trial % 3 == 0)
            assertClose(got, want, "trial \(trial) \(p) \(input.description)")
        }
    }

    func testScratchCountRespectsBudget() {
        // 64 -> 64 3x3 at 224: the preferred tile is ~1 MB (2 rows of 64 channels), under 8 MB.
        let p = ConvParams(inChannels: 64, outChannels: 64, kernel: 3, pad: 1)
        let unit = 9 * 224
        XCTAssertEqual(Kernels.conv2dScratchCount(params: p, inputHeight: 224, inputWidth: 224), 2 * 64 * unit)
        // A budget below one unit still yields one unit (one channel of one row).
        XCTAssertEqual(Kernels.conv2dScratchCount(params: p, inputHeight: 224, inputWidth: 224, budgetBytes: 16),
                       unit)
        // fc6 (7x7, 512 -> 4096) at 22x22 -> 16x16: whole output per tile, input channels split to fit.
        let fc6 = ConvParams(inChannels: 512, outChannels: 4096, kernel: 7)
        let fc6Unit = 49 * 16
        let count = Kernels.conv2dScratchCount(params: fc6, inputHeight: 22, inputWidth: 22)
        XCTAssertLessThanOrEqual(count * 4, Kernels.defaultScratchBudgetBytes)
        XCTAssertEqual(count % (16 * fc6Unit), 0)
        XCTAssertGreaterThanOrEqual(count / (16 * fc6Unit), 32)
        XCTAssertEqual(Kernels.conv2dScratchCount(params: fc6, inputHeight: 22, inputWidth: 22, budgetBytes: 1 << 40),
                       16 * 512 * fc6Unit)
    }

    func testConvWithSplitChannelsAndTinyScratch() {
        // Many input channels and a scratch of a few units: tiles split K and accumulate.
        var rng = SplitMix64(seed: 99)
        let p = ConvParams(inChannels: 70, outChannels: 6, kernel: 3, pad: 1, groups: 2)
        let input = WindowedCase.random(batch: 2, channels: 70, height: 5, width: 6, rng: &rng)
        let weights = randomArray(p.weightCount, rng: &rng)
        let bias = randomArray(6, rng: &rng)
        let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: true)
        for units in [1, 2, 33, 40, 35 * 5, 1000] {
            let got = runConv(input, weights: weights, bias: bias, params: p, relu: true,
                              scratchCount: units * 9 * 6, threads: 2)
            assertClose(got, want, "units \(units)")
        }
    }

    func testConvOutputSizeFollowsCaffe() {
        // conv1_1 of FCN-VGG16: 3x3 pad 100 on 500 -> 698; fc6 7x7 on 22 -> 16; AlexNet conv1.
        XCTAssertEqual(ConvParams(inChannels: 3, outChannels: 64, kernel: 3, pad: 100)
                        .convOutputSize(height: 500, width: 500).height, 698)
        XCTAssertEqual(ConvParams(inChannels: 512, outChannels: 4096, kernel: 7)
                        .convOutputSize(height: 22, width: 22).width, 16)
        XCTAssertEqual(ConvParams(inChannels: 3, outChannels: 96, kernel: 11, stride: 4, pad: 100)
                        .convOutputSize(height: 500, width: 500).height, 173)
        XCTAssertEqual(ConvParams(inChannels: 1, outChannels: 1, kernel: 3, dilation: 2)
                        .convOutputSize(height: 4, width: 5).height, 0)
    }
}
