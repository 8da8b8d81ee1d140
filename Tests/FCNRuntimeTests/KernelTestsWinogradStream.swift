// Transformed inputs stored past the caches (non-temporal stores, which the kernel uses when a
// chunk's V is larger than `Kernels.setWinogradStreamBytes`, 16 MiB by default): the same
// outputs, bit for bit, as stored through the caches, for every tile, both splits, 1 and 2
// threads, undilated and dilated, several chunks and one.

import XCTest
import FCNRuntime
import FCNTestSupport

extension KernelTestsWinograd {
    func testStreamedTransformedInputsGiveTheSameBits() {
        var rng = SplitMix64(seed: 0x57_4EA4)
        let input = WindowedCase.random(batch: 2, channels: 19, height: 21, width: 26, rng: &rng)
        let c = input.buffer.c, cout = 13
        let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
        let before = Kernels.setWinogradStreamBytes(Int.max)
        defer { Kernels.setWinogradStreamBytes(before) }
        // (threads, split, dilation, scratch tiles per worker)
        let cases: [(Int, WinogradSplit, Int, Int)] = [(1, .tiles, 1, 1000), (2, .stages, 1, 1000), (2, .tiles, 2, 40), (2, .stages, 2, 33)]
        for tile in WinogradTile.allCases {
            for (threads, split, d, tiles) in cases {
                func run() -> NaiveTensor {
                    runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (d, d),
                                dilation: (d, d), relu: true, scratchTiles: tiles, threads: threads, split: split)
                }
                Kernels.setWinogradStreamBytes(Int.max)
                let cached = run()
                Kernels.setWinogradStreamBytes(0)
                let streamed = run()
                let label = "\(tile), \(threads) threads, \(split), dilation \(d), scratch for \(tiles) tiles"
                XCTAssertEqual(streamed.shape, cached.shape, label)
                XCTAssertFalse(cached.values.contains { $0.isNaN }, label)
                let differing = zip(streamed.values, cached.values).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "values differing in a bit of \(cached.values.count): \(label)")
            }
        }
    }
}
