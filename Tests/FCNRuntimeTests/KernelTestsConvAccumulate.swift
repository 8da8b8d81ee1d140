// conv2d with `accumulate` (a fused residual sum: the output starts as a copy of the shortcut)
// and with `addend` (the GEMM's store reads the shortcut) against the naive relu(conv + bias + shortcut), on plain weights (OpenBLAS, bias and ReLU in a
// pass after the product) and packed ones (the GEMM's store), in each of conv2d's paths: 1x1 on
// whole planes and on row windows, im2col bands per worker, shared tiles of tall weights, and
// tiles of one input channel (the shortcut must be added once, not once per depth block).

import XCTest
import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsConvAccumulate: XCTestCase {
    func run(_ input: WindowedCase, weights: [Float], bias: [Float], params p: ConvParams, addend: NaiveTensor, packed: Bool,
             relu: Bool, scratchCount: Int, threads: Int) -> NaiveTensor {
        let packedWeights = weights.withUnsafeBufferPointer { w in
            PackedConvWeights(weights: w.baseAddress!, outChannels: p.outChannels, groups: p.groups,
                              depth: p.inChannels / p.groups * p.kernelH * p.kernelW)
        }
        return input.withWindow { win in
            runKernel(shape: addend.shape) { out in
                out.update(from: addend.values, count: addend.values.count)
                withScratch(scratchCount) { scratch, cap in
                    weights.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { b in
                            if packed {
                                Kernels.conv2d(input: win, batch: input.buffer.n, packedWeights: packedWeights, bias: b.baseAddress!,
                                               params: p, relu: relu, accumulate: true, output: out, scratch: scratch,
                                               scratchCapacity: cap, threads: threads)
                            } else {
                                Kernels.conv2d(input: win, batch: input.buffer.n, weights: w.baseAddress!, bias: b.baseAddress!,
                                               params: p, relu: relu, accumulate: true, output: out, scratch: scratch,
                                               scratchCapacity: cap, threads: threads)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The addend read by the GEMM's store: a window of two more rows than the output (rows
    /// contiguous, planes further apart than the output's), the output not written beforehand.
    func runAddend(_ input: WindowedCase, weights: [Float], bias: [Float], params p: ConvParams, addend: NaiveTensor,
                   packed: Bool, relu: Bool, scratchCount: Int, threads: Int) -> NaiveTensor {
        let (n, c, oh, ow) = (addend.shape[0], addend.shape[1], addend.shape[2], addend.shape[3])
        var taller = [Float](repeating: .nan, count: n * c * (oh + 2) * ow)
        for i in 0..<(n * c) { for y in 0..<oh { for x in 0..<ow { taller[(i * (oh + 2) + y + 1) * ow + x] = addend.values[(i * oh + y) * ow + x] } } }
        let packedWeights = weights.withUnsafeBufferPointer { w in
            PackedConvWeights(weights: w.baseAddress!, outChannels: p.outChannels, groups: p.groups,
                              depth: p.inChannels / p.groups * p.kernelH * p.kernelW)
        }
        return taller.withUnsafeBufferPointer { t in
            let window = InputWindow(base: t.baseAddress!, bufferChannels: c, bufferHeight: oh + 2, bufferWidth: ow,
                                     y0: 1, x0: 0, height: oh, width: ow)
            return input.withWindow { win in
                runKernel(shape: addend.shape) { out in
                    withScratch(scratchCount) { scratch, cap in
                        weights.withUnsafeBufferPointer { w in
                            bias.withUnsafeBufferPointer { b in
                                if packed {
                                    Kernels.conv2d(input: win, batch: n, packedWeights: packedWeights, bias: b.baseAddress!,
                                                   params: p, relu: relu, addend: window, output: out, scratch: scratch,
                                                   scratchCapacity: cap, threads: threads)
                                } else {
                                    Kernels.conv2d(input: win, batch: n, weights: w.baseAddress!, bias: b.baseAddress!,
                                                   params: p, relu: relu, addend: window, output: out, scratch: scratch,
                                                   scratchCapacity: cap, threads: threads)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func testAccumulateAddsTheOutputsContentsOnceBeforeTheReLU() {
        var rng = SplitMix64(seed: 0xADD_5C)
        let cases: [(ConvParams, h: Int, w: Int)] = [
            (ConvParams(inChannels: 70, outChannels: 37, kernel: 1), 9, 11),               // 1x1, edge tiles
            (ConvParams(inChannels: 300, outChannels: 21, kernel: 1), 5, 6),               // 1x1, depth past a block
            (ConvParams(inChannels: 24, outChannels: 20, kernel: 1, stride: 2), 9, 8),     // 1x1 stride 2: im2col (a downsample)
            (ConvParams(inChannels: 30, outChannels: 19, kernel: 3, pad: 2, dilation: 2), 9, 7),  // dilated im2col
            (ConvParams(inChannels: 40, outChannels: 150, kernel: 3, pad: 1), 2, 3),       // tall weights: shared tiles
        ]
        for (i, (p, h, w)) in cases.enumerated() {
            let input = WindowedCase.random(batch: 1 + i % 2, channels: p.inChannels, height: h, width: w, rng: &rng)
            let weights = randomArray(p.weightCount, rng: &rng)
            let bias = randomArray(p.outChannels, rng: &rng)
            let (oh, ow) = p.convOutputSize(height: h, width: w)
            let addend = NaiveTensor.random(shape: [input.buffer.n, p.outChannels, oh, ow], using: &rng)
            let conv = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: false)
            let preferred = Kernels.conv2dScratchCount(params: p, inputHeight: h, inputWidth: w)
            for relu in [true, false] {
                let want = Naive.sum([conv, addend], relu: relu)
                for packed in [false, true] {
                    for threads in [1, 2] {
                        let what = "case \(i) \(p) relu \(relu) packed \(packed) threads \(threads) \(input.description)"
                        let got = run(input, weights: weights, bias: bias, params: p, addend: addend, packed: packed, relu: relu,
                                      scratchCount: preferred, threads: threads)
                        assertClose(got, want, what)
                        let read = runAddend(input, weights: weights, bias: bias, params: p, addend: addend, packed: packed, relu: relu,
                                             scratchCount: preferred, threads: threads)
                        assertClose(read, want, what + ", addend read by the store")
                        if !p.isPointwise {
                            let tinyRead = runAddend(input, weights: weights, bias: bias, params: p, addend: addend, packed: packed,
                                                     relu: relu, scratchCount: p.kernelH * p.kernelW * ow, threads: threads)
                            assertClose(tinyRead, want, what + ", addend read by the store, tiny scratch")
                            let tiny = run(input, weights: weights, bias: bias, params: p, addend: addend, packed: packed, relu: relu,
                                           scratchCount: p.kernelH * p.kernelW * ow, threads: threads)
                            assertClose(tiny, want, what + ", tiny scratch")
                        }
                    }
                }
            }
        }
    }
}
