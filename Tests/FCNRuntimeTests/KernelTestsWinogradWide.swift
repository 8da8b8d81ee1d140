// Winograd on rows wide enough for the C kernel's vector paths (16 tiles read straight from an
// input row and written straight to an output row, 16m + 2 columns at a time), with chunks that
// start and end inside tile rows, left and right padding, a window of a larger buffer, and
// chunk sizes from the smallest (32 tiles) to all tiles: against the exact convolution.
// Also: the plan's scratch rule is the C kernel's layout, not an estimate of it.

import XCTest
import FCNPlan
import FCNRuntime
import FCNTestSupport

extension KernelTestsWinograd {
    func testWideRowsAndChunksInsideTileRowsMatchTheExactConvolution() {
        var rng = SplitMix64(seed: 0x71DE)
        // (height, width, pad): widths around multiples of 16 tiles (64 and 32 columns), pad 100.
        let shapes = [(9, 150, 1), (5, 66, 0), (7, 67, 1), (3, 131, 2), (6, 97, 0), (2, 4, 100), (11, 64, 1)]
        for (index, (h, w, pad)) in shapes.enumerated() {
            let tile = WinogradTile.allCases[index % WinogradTile.allCases.count]
            let input = WindowedCase.random(batch: 2, channels: 3, height: h, width: w, rng: &rng)
            let cout = 5, c = input.buffer.c
            let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
            let want = NaiveWinograd.conv3x3(input.dense, weights: weights, bias: bias, outChannels: cout,
                                             padH: pad, padW: pad, relu: true)
            for (tiles, threads) in [(1, 1), (33, 2), (100, 1), (100_000, 2)] {
                let got = runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (pad, pad),
                                      relu: true, scratchTiles: tiles, threads: threads)
                let err = relativeError(got, want)
                XCTAssertLessThanOrEqual(err, Self.bound(tile),
                                         "\(tile) \(input.description) pad \(pad): chunks of \(tiles) tiles, \(threads) threads")
            }
        }
    }

    /// The transforms are compiled per ISA (AVX-512 and AVX2 store 16 tiles into 32- and 16-wide
    /// panels, the portable build into two 8-wide ones): each kernel the CPU has, on one wide case.
    func testEveryGemmKernelsTransformsMatchTheExactConvolution() {
        var rng = SplitMix64(seed: 0x5EED)
        let input = WindowedCase.random(batch: 2, channels: 4, height: 10, width: 141, rng: &rng)
        let cout = 9, c = input.buffer.c
        let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
        let want = NaiveWinograd.conv3x3(input.dense, weights: weights, bias: bias, outChannels: cout, padH: 1, padW: 1, relu: false)
        var ran = 0
        for kernel in GemmKernel.allCases where kernel.isSupported {
            for tile in WinogradTile.allCases {
                let got = kernel.whileCurrent {
                    runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (1, 1), relu: false,
                                scratchTiles: 40, threads: 2)
                }
                XCTAssertLessThanOrEqual(relativeError(got, want), Self.bound(tile), "\(kernel.name) \(tile)")
                ran += 1
            }
        }
        XCTAssertGreaterThanOrEqual(ran, 2, "at least the portable kernel runs, for both tiles")
    }

    func testPlanScratchRuleIsTheKernelsLayout() {
        for tile in WinogradTile.allCases {
            for (cin, cout) in [(1, 1), (3, 64), (64, 64), (512, 512), (13, 7)] {
                for tiles in [1, 31, 32, 33, 100, 4096] {
                    XCTAssertEqual(ScratchRules.winogradChunkFloats(m: tile.m, inChannels: cin, outChannels: cout, tiles: tiles),
                                   Kernels.winogradScratchFloats(tile: tile, inChannels: cin, outChannels: cout, tiles: tiles),
                                   "\(tile) cin \(cin) cout \(cout) tiles \(tiles)")
                }
            }
        }
    }
}
