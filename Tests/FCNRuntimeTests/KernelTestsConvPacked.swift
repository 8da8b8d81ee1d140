// conv2d with weights packed once (PackedConvWeights, as PreparedWeights builds them) against
// the same conv on plain weights and the naive definition: im2col with depths past the GEMM's
// depth block (256), output channels not multiples of the micro-kernel's height, 1x1 convs,
// groups, row splits over 2 threads, and scratch so small that tiles split the input channels
// (the packed operand is then used by depth ranges that do not start at a block boundary). With
// packed weights the GEMM adds bias and ReLU as it stores C: checked on every micro-kernel, in
// each of conv2d's paths (1x1 on whole planes and on row windows, bands per worker, shared tiles).

import XCTest
import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsConvPacked: XCTestCase {
    func runPacked(_ input: WindowedCase, weights: [Float], bias: [Float], params p: ConvParams,
                   scratchCount: Int, threads: Int, relu: Bool = true) -> NaiveTensor {
        let (oh, ow) = p.convOutputSize(height: input.height, width: input.width)
        let packed = weights.withUnsafeBufferPointer { w in
            PackedConvWeights(weights: w.baseAddress!, outChannels: p.outChannels, groups: p.groups,
                              depth: p.inChannels / p.groups * p.kernelH * p.kernelW)
        }
        return input.withWindow { win in
            runKernel(shape: [input.buffer.n, p.outChannels, oh, ow]) { out in
                withScratch(scratchCount) { scratch, cap in
                    bias.withUnsafeBufferPointer { b in
                        Kernels.conv2d(input: win, batch: input.buffer.n, packedWeights: packed, bias: b.baseAddress!,
                                       params: p, relu: relu, output: out, scratch: scratch, scratchCapacity: cap,
                                       threads: threads)
                    }
                }
            }
        }
    }

    func testPackedWeightsGiveTheSameResultAsPlainOnes() {
        var rng = SplitMix64(seed: 0x9AC_4ED)
        let cases: [(ConvParams, h: Int, w: Int)] = [
            (ConvParams(inChannels: 40, outChannels: 50, kernel: 7), 8, 8),          // fc6-like: depth 1960, 2x2 out
            (ConvParams(inChannels: 30, outChannels: 19, kernel: 3, pad: 1), 9, 7),  // depth 270
            (ConvParams(inChannels: 300, outChannels: 37, kernel: 1), 5, 6),         // 1x1, depth 300
            (ConvParams(inChannels: 300, outChannels: 21, kernel: 1), 1, 1),         // score_fr-like
            (ConvParams(inChannels: 64, outChannels: 34, kernel: 3, pad: 2, groups: 2), 6, 5),
            (ConvParams(inChannels: 5, outChannels: 3, kernel: 3, stride: 2), 7, 9),
        ]
        for (i, (p, h, w)) in cases.enumerated() {
            let input = WindowedCase.random(batch: 1 + i % 2, channels: p.inChannels, height: h, width: w, rng: &rng)
            let weights = randomArray(p.weightCount, rng: &rng)
            let bias = randomArray(p.outChannels, rng: &rng)
            let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: true)
            let preferred = Kernels.conv2dScratchCount(params: p, inputHeight: h, inputWidth: w)
            let (_, ow) = p.convOutputSize(height: h, width: w)
            for threads in [1, 2] {
                let plain = runPlainConv(input, weights: weights, bias: bias, params: p, scratchCount: preferred, threads: threads)
                let packed = runPacked(input, weights: weights, bias: bias, params: p, scratchCount: preferred, threads: threads)
                // Same tiles and the same depth blocks: the same sums in the same order.
                XCTAssertEqual(packed.values, plain.values, "case \(i) \(p) threads \(threads)")
                assertClose(packed, want, "case \(i) \(p) threads \(threads)")
                // Tiles of one input channel (im2col): depth ranges inside the packed blocks.
                if !p.isPointwise {
                    let tiny = runPacked(input, weights: weights, bias: bias, params: p,
                                         scratchCount: 3 * p.kernelH * p.kernelW * ow, threads: threads)
                    assertClose(tiny, want, "case \(i) \(p) threads \(threads), tiny scratch")
                }
            }
        }
    }

    func testPackedWeightsTakeTheMicroKernelsRowPadding() {
        let weights = [Float](repeating: 1, count: 21 * 4096)
        let packed = weights.withUnsafeBufferPointer {
            PackedConvWeights(weights: $0.baseAddress!, outChannels: 21, groups: 1, depth: 4096)
        }
        let unit = PackedGemmOperand.rowUnit
        XCTAssertEqual(packed.bytes, (21 + unit - 1) / unit * unit * 4096 * 4)
        XCTAssertEqual(packed.kernel, GemmKernel.current)
    }

    func testBiasAndReLUInTheGemmStoreOnEveryKernel() {
        var rng = SplitMix64(seed: 0xE91_106)
        let cases: [(ConvParams, h: Int, w: Int)] = [
            (ConvParams(inChannels: 70, outChannels: 37, kernel: 1), 9, 11),           // 1x1, edge tiles
            (ConvParams(inChannels: 300, outChannels: 45, kernel: 1, groups: 3), 6, 7), // 1x1, groups
            (ConvParams(inChannels: 30, outChannels: 19, kernel: 3, pad: 1), 9, 7),     // im2col, depth 270
            (ConvParams(inChannels: 40, outChannels: 150, kernel: 3, pad: 1), 2, 3),    // tall weights: shared tiles
        ]
        for kernel in GemmKernel.allCases where kernel.isSupported {
            kernel.whileCurrent {
                for (i, (p, h, w)) in cases.enumerated() {
                    let input = WindowedCase.random(batch: 1, channels: p.inChannels, height: h, width: w, rng: &rng)
                    let weights = randomArray(p.weightCount, rng: &rng)
                    let bias = randomArray(p.outChannels, rng: &rng)
                    let preferred = Kernels.conv2dScratchCount(params: p, inputHeight: h, inputWidth: w)
                    let (_, ow) = p.convOutputSize(height: h, width: w)
                    for relu in [true, false] {
                        let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: relu)
                        for threads in [1, 2] {
                            let what = "\(kernel.name) case \(i) \(p) relu \(relu) threads \(threads) \(input.description)"
                            let got = runPacked(input, weights: weights, bias: bias, params: p, scratchCount: preferred,
                                                threads: threads, relu: relu)
                            assertClose(got, want, what)
                            if !p.isPointwise {
                                // One input channel per tile: bias and ReLU only after the last.
                                let tiny = runPacked(input, weights: weights, bias: bias, params: p,
                                                     scratchCount: p.kernelH * p.kernelW * ow, threads: threads, relu: relu)
                                assertClose(tiny, want, what + ", tiny scratch")
                            }
                        }
                    }
                }
            }
        }
    }
}
