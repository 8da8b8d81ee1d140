// Winograd chunks shared by the workers stage by stage (WinogradSplit.stages: input transform by
// input channels, products by positions, output transform by output channels): against the
// naive convolution, and bit-identical to one thread, for channel counts that do not divide by
// the thread count, fewer channels than threads, several chunks and a chunk tail, dilation, both
// tiles; the scratch rule of a shared chunk is the kernel's layout; the split chosen by default.

import XCTest
import FCNPlan
import FCNRuntime
import FCNTestSupport

extension KernelTestsWinograd {
    func testSharedChunksMatchTheNaiveConvolutionAndOneThreadBitForBit() {
        var rng = SplitMix64(seed: 0x5_B117)
        // (input channels, output channels, height, width, dilation, threads, scratch tiles)
        let cases = [(5, 7, 13, 17, 1, 2, 1000), (1, 1, 9, 9, 1, 2, 1000), (1, 3, 11, 6, 1, 3, 40), (3, 1, 8, 21, 1, 4, 1),
                     (9, 11, 23, 19, 1, 2, 33), (17, 2, 10, 10, 2, 2, 40), (2, 17, 15, 70, 1, 3, 64), (33, 31, 12, 9, 3, 2, 1)]
        for (index, (cin, cout, h, w, d, threads, tiles)) in cases.enumerated() {
            for tile in WinogradTile.allCases {
                let input = WindowedCase.random(batch: 1 + index % 2, channels: cin, height: h, width: w, rng: &rng)
                let c = input.buffer.c
                let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
                let p = ConvParams(inChannels: c, outChannels: cout, kernelH: 3, kernelW: 3, padH: d, padW: d,
                                   dilationH: d, dilationW: d)
                let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: true)
                // Scratch for `tiles` tiles per worker under the tile split: the shared chunks get
                // all of it, so they are larger (or as large) and fewer.
                let shared = runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (d, d),
                                         dilation: (d, d), relu: true, scratchTiles: tiles, threads: threads, split: .stages)
                let alone = runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (d, d),
                                        dilation: (d, d), relu: true, scratchTiles: tiles, threads: 1, split: .stages)
                let byTiles = runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (d, d),
                                          dilation: (d, d), relu: true, scratchTiles: tiles, threads: threads, split: .tiles)
                let label = "\(tile) cin \(c) cout \(cout) \(input.description) dilation \(d), \(threads) threads, scratch for \(tiles) tiles"
                XCTAssertEqual(shared.shape, want.shape, label)
                let scale = Float(3 * c * 9)   // inputs and weights in [-1, 1]: no sum is larger
                let worst = Self.worstDifference(shared.values, want.values)
                XCTAssertLessThanOrEqual(Double(worst / scale), Self.bound(tile), label)
                XCTAssertEqual(shared.values.map(\.bitPattern), alone.values.map(\.bitPattern), "stages vs 1 thread: \(label)")
                XCTAssertEqual(shared.values.map(\.bitPattern), byTiles.values.map(\.bitPattern), "stages vs tiles: \(label)")
            }
        }
    }

    func testSharedChunkScratchRuleIsTheKernelsLayout() {
        for tile in WinogradTile.allCases {
            for (cin, cout) in [(1, 1), (3, 64), (512, 512), (13, 7)] {
                for tiles in [1, 33, 4096] {
                    for parts in [1, 2, 3] {
                        XCTAssertEqual(ScratchRules.winogradChunkFloats(m: tile.m, inChannels: cin, outChannels: cout,
                                                                        tiles: tiles, parts: parts),
                                       Kernels.winogradSplitScratchFloats(tile: tile, inChannels: cin, outChannels: cout,
                                                                          tiles: tiles, parts: parts),
                                       "\(tile) cin \(cin) cout \(cout) tiles \(tiles) parts \(parts)")
                    }
                }
            }
            // Two workers sharing a chunk need less than two workers with a chunk each, so the
            // plan's smallest scratch (a chunk of 32 tiles for each of two workers) always fits.
            XCTAssertLessThan(ScratchRules.winogradChunkFloats(m: tile.m, inChannels: 64, outChannels: 64, tiles: 1, parts: 2),
                              2 * ScratchRules.winogradChunkFloats(m: tile.m, inChannels: 64, outChannels: 64, tiles: 1))
        }
    }
}
