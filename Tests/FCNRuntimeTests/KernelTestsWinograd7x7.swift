// Winograd F(2x2, 7x7) (fc6's algorithm) against the naive convolution: sizes from one partial
// tile to odd ones, pads 0 to beyond the kernel, windows of larger buffers, batch 2, channel
// counts that are not multiples of the 16 lanes, the 32-channel blocks or the 64-channel runs, bias or none, ReLU
// or not, groups of tiles from the smallest (32) to all, 1 and 2 workers, every GEMM kernel
// the CPU has; and the plan's scratch rule against the kernel's layout.

import XCTest
import FCNPlan
import FCNRuntime
import FCNTestSupport

final class KernelTestsWinograd7x7: XCTestCase {
    /// Bound on max |got - naive| / (C_in·49) with inputs and weights in [-1, 1] (no sum is larger):
    /// the naive conv sums in Float too, so this covers both roundings.
    static let bound = 4e-6

    func run7x7(_ input: WindowedCase, weights: [Float], bias: [Float]?, outChannels: Int, pad: (Int, Int), relu: Bool,
                groupTiles: Int, workers: Int) -> NaiveTensor {
        let cin = input.buffer.c
        let w = weights.withUnsafeBufferPointer { Winograd7x7Weights(weights: $0.baseAddress!, inChannels: cin, outChannels: outChannels) }
        let oh = input.height + 2 * pad.0 - 6, ow = input.width + 2 * pad.1 - 6
        let cap = Kernels.winograd7x7ScratchFloats(inChannels: cin, tiles: groupTiles, workers: workers)
        return input.withWindow { win in
            runKernel(shape: [input.buffer.n, outChannels, oh, ow]) { out in
                withScratch(cap) { scratch, cap in
                    let b = bias.map { Tensor(shape: [$0.count], values: $0) }
                    Kernels.winograd7x7Conv2d(input: win, batch: input.buffer.n, weights: w, bias: b.map { UnsafePointer($0.pointer) },
                                              padH: pad.0, padW: pad.1, relu: relu, output: out,
                                              scratch: scratch, scratchCapacity: cap, threads: workers)
                }
            }
        }
    }

    func testMatchesTheNaiveConvolution() {
        var rng = SplitMix64(seed: 0x7777)
        // (height, width, pad h, pad w, C_in, C_out, batch)
        let cases = [(7, 7, 0, 0, 3, 5, 1), (22, 22, 0, 0, 20, 33, 1), (13, 30, 3, 2, 17, 40, 2), (8, 9, 12, 9, 2, 3, 1),
                     (16, 11, 3, 3, 16, 64, 1), (9, 40, 0, 1, 5, 17, 2), (30, 29, 1, 0, 1, 32, 1), (10, 9, 1, 0, 150, 35, 1)]
        for (index, (h, w, ph, pw, cin, cout, batch)) in cases.enumerated() {
            let input = WindowedCase.random(batch: batch, channels: cin, height: h, width: w, rng: &rng)
            let weights = randomArray(cout * cin * 49, rng: &rng)
            let bias = index % 3 == 2 ? nil : randomArray(cout, rng: &rng)
            let relu = index % 2 == 0
            let p = ConvParams(inChannels: cin, outChannels: cout, kernelH: 7, kernelW: 7, padH: ph, padW: pw)
            let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: relu)
            let tiles = batch * ((want.shape[2] + 1) / 2) * ((want.shape[3] + 1) / 2)
            for (group, workers) in [(32, 1), (tiles, 2), (32, 2)] {
                let got = run7x7(input, weights: weights, bias: bias, outChannels: cout, pad: (ph, pw), relu: relu,
                                 groupTiles: group, workers: workers)
                XCTAssertEqual(got.shape, want.shape, "case \(index)")
                let worst = zip(got.values, want.values).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(Double(worst) / Double(cin * 49), Self.bound,
                                         "case \(index) \(input.description) pad \(ph)x\(pw): groups of \(group) tiles, \(workers) workers")
            }
        }
    }

    /// The weight transform stores into each micro-kernel's packed layout (8-row panels as
    /// vectors, 6- and 4-row ones element-wise) and the input transform into its panel width.
    func testEveryGemmKernelMatchesTheNaiveConvolution() {
        var rng = SplitMix64(seed: 0x77AB)
        let input = WindowedCase.random(batch: 1, channels: 70, height: 11, width: 24, rng: &rng)
        let cout = 45, cin = input.buffer.c
        let weights = randomArray(cout * cin * 49, rng: &rng), bias = randomArray(cout, rng: &rng)
        let p = ConvParams(inChannels: cin, outChannels: cout, kernelH: 7, kernelW: 7, padH: 2, padW: 1)
        let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: false)
        var ran = 0
        for kernel in GemmKernel.allCases where kernel.isSupported {
            let got = kernel.whileCurrent {
                run7x7(input, weights: weights, bias: bias, outChannels: cout, pad: (2, 1), relu: false, groupTiles: 32, workers: 2)
            }
            let worst = zip(got.values, want.values).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(Double(worst) / Double(cin * 49), Self.bound, kernel.name)
            ran += 1
        }
        XCTAssertGreaterThanOrEqual(ran, 1)
    }

    func testPlanScratchRuleIsTheKernelsLayout() {
        for cin in [1, 3, 64, 512, 13] {
            for tiles in [1, 31, 32, 33, 100, 4096] {
                for workers in [1, 2] {
                    XCTAssertEqual(ScratchRules.winograd7x7GroupFloats(inChannels: cin, tiles: tiles, workers: workers),
                                   Kernels.winograd7x7ScratchFloats(inChannels: cin, tiles: tiles, workers: workers),
                                   "C_in \(cin), \(tiles) tiles, \(workers) workers")
                }
            }
        }
    }
}
