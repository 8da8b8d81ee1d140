// Winograd F(2,3) and F(4,3) with a fused 2x2 stride-2 max pool (WinogradPool): against the exact
// convolution (+bias, +ReLU) followed by a naive max pool, ceil and floor rounding: conv outputs
// from 1x1 upward, odd and even, last tiles partial, pads 0, 1 and 2, channel counts that are not
// multiples of 16, batch 2, windows of larger buffers, chunks from one tile to all, 1 and 2
// workers, wide rows (whole groups of 16 tiles, chunks ending inside tile rows, the odd last
// column inside a whole group), chunks shared by the workers stage by stage, every GEMM
// micro-kernel the CPU has. The error bound is the unpooled Winograd tests'.

import XCTest
import FCNRuntime
import FCNTestSupport

extension KernelTestsWinograd {
    /// The pooled output of the fused conv (NaN where the kernel wrote nothing), written into a
    /// buffer with guard zones before and after it that must stay untouched.
    func runPooledWinograd(_ input: WindowedCase, weights: [Float], bias: [Float]?, outChannels: Int, tile: WinogradTile,
                           pad: (Int, Int), relu: Bool, ceil: Bool, scratchTiles: Int, threads: Int,
                           split: WinogradSplit? = nil) -> NaiveTensor {
        let cin = input.buffer.c
        let u = weights.withUnsafeBufferPointer {
            WinogradWeights(weights: $0.baseAddress!, inChannels: cin, outChannels: outChannels, tile: tile, threads: threads)
        }
        let oh = input.height + 2 * pad.0 - 2, ow = input.width + 2 * pad.1 - 2
        let pool = WinogradPool(height: ceil ? (oh + 1) / 2 : oh / 2, width: ceil ? (ow + 1) / 2 : ow / 2)
        let cap = threads * Kernels.winogradScratchFloats(tile: tile, inChannels: cin, outChannels: outChannels, tiles: scratchTiles)
        let shape = [input.buffer.n, outChannels, pool.height, pool.width], count = shape.reduce(1, *)
        let guardFloats = 64, guardValue: Float = -12345.5
        var buffer = [Float](repeating: guardValue, count: count + 2 * guardFloats)
        for i in 0..<count { buffer[guardFloats + i] = .nan }
        input.withWindow { win in
            buffer.withUnsafeMutableBufferPointer { out in
                withScratch(cap) { scratch, cap in
                    let b = bias.map { Tensor(shape: [$0.count], values: $0) }
                    Kernels.winogradConv2d(input: win, batch: input.buffer.n, weights: u, bias: b.map { UnsafePointer($0.pointer) },
                                           padH: pad.0, padW: pad.1, relu: relu, pool: pool, output: out.baseAddress! + guardFloats,
                                           scratch: scratch, scratchCapacity: cap, threads: threads, split: split)
                }
            }
        }
        let outside = buffer[..<guardFloats] + buffer[(guardFloats + count)...]
        XCTAssertTrue(outside.allSatisfy { $0 == guardValue }, "the pooled conv wrote outside its output \(shape)")
        return NaiveTensor(shape: shape, values: Array(buffer[guardFloats..<(guardFloats + count)]))
    }

    /// The naive 2x2 stride-2 max pool of an exact conv output: pooled row py covers rows 2py and
    /// 2py + 1 that exist (columns likewise); ceil or floor of half the size. Scales likewise.
    func naivePool(_ conv: (out: [Double], scale: [Double], shape: [Int]), ceil: Bool)
        -> (out: [Double], scale: [Double], shape: [Int]) {
        let (n, c, h, w) = (conv.shape[0], conv.shape[1], conv.shape[2], conv.shape[3])
        let ph = ceil ? (h + 1) / 2 : h / 2, pw = ceil ? (w + 1) / 2 : w / 2
        var out: [Double] = [], scale: [Double] = []
        for plane in 0..<(n * c) { for py in 0..<ph { for px in 0..<pw {
            var best = -Double.infinity, s = 0.0
            for y in (2 * py)..<min(2 * py + 2, h) { for x in (2 * px)..<min(2 * px + 2, w) {
                best = max(best, conv.out[(plane * h + y) * w + x])
                s = max(s, conv.scale[(plane * h + y) * w + x])
            }}
            out.append(best)
            scale.append(s)
        }}}
        return (out, scale, [n, c, ph, pw])
    }

    /// The exact conv (+bias, +ReLU), then the naive pool.
    func exactPooled(_ input: WindowedCase, weights: [Float], bias: [Float]?, outChannels: Int, pad: (Int, Int),
                     relu: Bool, ceil: Bool) -> (out: [Double], scale: [Double], shape: [Int]) {
        naivePool(NaiveWinograd.conv3x3(input.dense, weights: weights, bias: bias, outChannels: outChannels,
                                        padH: pad.0, padW: pad.1, relu: relu), ceil: ceil)
    }

    func testPooledConvolutionMatchesExactConvolutionThenMaxPool() {
        var rng = SplitMix64(seed: 0x9_0011)
        var worst: [WinogradTile: Double] = [:]
        // (input height, width, pad): conv outputs 1x1, 1x2, 2x1, 2x2, 3x3 (odd, inside one F(4,3)
        // tile), 4x4 (one whole tile), 5x7, 8x9, 6x10, 11x13, 17x19; then random ones.
        var shapes = [(3, 3, 0), (1, 2, 1), (4, 1, 1), (2, 2, 1), (5, 3, 1), (6, 6, 0), (3, 5, 2), (8, 9, 1), (6, 10, 1),
                      (11, 13, 1), (15, 17, 2)]
        for _ in 0..<50 {
            let pad = rng.nextInt(in: 0...2)
            shapes.append((rng.nextInt(in: max(1, 3 - 2 * pad)...19), rng.nextInt(in: max(1, 3 - 2 * pad)...19), pad))
        }
        for (trial, (h, w, pad)) in shapes.enumerated() {
            for tile in WinogradTile.allCases where tile.fusesPool {
                let cin = [1, 3, 5, 9, 17][rng.nextInt(in: 0...4)], cout = [1, 2, 7, 9, 19][rng.nextInt(in: 0...4)]
                let input = WindowedCase.random(batch: 1 + trial % 2, channels: cin, height: h, width: w, rng: &rng)
                let weights = randomArray(cout * cin * 9, rng: &rng)
                let bias = rng.nextBool() ? randomArray(cout, rng: &rng) : nil
                let relu = rng.nextBool(), ceil = trial % 3 != 1
                let scratchTiles = [1, 3, 1000][trial % 3], threads = 1 + (trial / 3) % 2
                let want = exactPooled(input, weights: weights, bias: bias, outChannels: cout, pad: (pad, pad), relu: relu, ceil: ceil)
                if want.out.isEmpty { continue }   // a 1-row output floored: nothing to pool (tested below)
                let got = runPooledWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (pad, pad),
                                            relu: relu, ceil: ceil, scratchTiles: scratchTiles, threads: threads)
                let err = relativeError(got, want)
                worst[tile] = max(worst[tile] ?? 0, err)
                XCTAssertLessThanOrEqual(err, Self.bound(tile), "trial \(trial) \(tile) cin \(cin) cout \(cout) pad \(pad) "
                                         + "\(input.description) relu=\(relu) ceil=\(ceil) scratch \(scratchTiles) tiles, \(threads) threads")
            }
        }
        XCTAssertGreaterThan(worst[.f2x3] ?? 0, 0)
        XCTAssertGreaterThan(worst[.f4x3] ?? 0, 0)
    }

    func testNaivePoolIsCaffesMaxPoolUnderCeilRounding() {
        // The test's pool definition against the reference pooling kernel (Caffe's, ceil rounding).
        var rng = SplitMix64(seed: 0xCAFE)
        for (h, w) in [(1, 1), (1, 4), (5, 2), (7, 9), (8, 8)] {
            let x = NaiveTensor.random(shape: [2, 3, h, w], using: &rng)
            let conv = (out: x.values.map(Double.init), scale: x.values.map { _ in 1.0 }, shape: x.shape)
            let mine = naivePool(conv, ceil: true)
            let caffe = Naive.maxPool(x, params: PoolParams(kernel: 2, stride: 2))
            XCTAssertEqual(mine.shape, caffe.shape, "\(h)x\(w)")
            XCTAssertEqual(mine.out.map(Float.init), caffe.values, "\(h)x\(w)")
        }
    }

    func testPooledWideRowsAndChunksInsideTileRows() {
        var rng = SplitMix64(seed: 0x9_71DE)
        // (height, width, pad): conv widths 63 (F(4,3): 16 whole tiles whose last pooled column
        // takes one conv column; F(2,3): 32 tiles), 64, 65, 127, 129, 148, 150 and 131.
        let shapes = [(9, 63, 1), (6, 66, 0), (7, 65, 1), (5, 127, 1), (3, 131, 0), (10, 146, 2), (4, 150, 1), (12, 129, 2)]
        for (index, (h, w, pad)) in shapes.enumerated() {
            let input = WindowedCase.random(batch: 2, channels: 3, height: h, width: w, rng: &rng)
            let cout = 5, c = input.buffer.c
            let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
            for tile in WinogradTile.allCases where tile.fusesPool {
                for ceil in [true, false] {
                    let want = exactPooled(input, weights: weights, bias: bias, outChannels: cout, pad: (pad, pad), relu: index % 2 == 0,
                                           ceil: ceil)
                    for (tiles, threads) in [(1, 1), (33, 2), (100, 1), (100_000, 2)] {
                        let got = runPooledWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (pad, pad),
                                                    relu: index % 2 == 0, ceil: ceil, scratchTiles: tiles, threads: threads)
                        XCTAssertLessThanOrEqual(relativeError(got, want), Self.bound(tile),
                                                 "\(tile) \(input.description) pad \(pad) ceil=\(ceil): chunks of \(tiles) tiles, \(threads) threads")
                    }
                }
            }
        }
    }

    func testPooledSharedChunksMatchTheNaivePoolAndOneThreadBitForBit() {
        var rng = SplitMix64(seed: 0x9_B117)
        // (input channels, output channels, height, width, threads, scratch tiles)
        let cases = [(5, 7, 13, 17, 2, 1000), (1, 1, 9, 9, 2, 1000), (1, 3, 11, 6, 3, 40), (3, 1, 8, 21, 4, 1),
                     (9, 11, 23, 19, 2, 33), (2, 17, 15, 70, 3, 64), (33, 31, 12, 9, 2, 1)]
        for (index, (cin, cout, h, w, threads, tiles)) in cases.enumerated() {
            for tile in WinogradTile.allCases where tile.fusesPool {
                let input = WindowedCase.random(batch: 1 + index % 2, channels: cin, height: h, width: w, rng: &rng)
                let weights = randomArray(cout * cin * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
                let ceil = index % 2 == 0
                let want = exactPooled(input, weights: weights, bias: bias, outChannels: cout, pad: (1, 1), relu: true, ceil: ceil)
                func run(_ threads: Int, _ split: WinogradSplit) -> NaiveTensor {
                    runPooledWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (1, 1), relu: true,
                                      ceil: ceil, scratchTiles: tiles, threads: threads, split: split)
                }
                let shared = run(threads, .stages), alone = run(1, .stages), byTiles = run(threads, .tiles)
                let label = "\(tile) cin \(cin) cout \(cout) \(input.description) ceil=\(ceil), \(threads) threads, scratch for \(tiles) tiles"
                XCTAssertLessThanOrEqual(relativeError(shared, want), Self.bound(tile), label)
                XCTAssertEqual(shared.values.map(\.bitPattern), alone.values.map(\.bitPattern), "stages vs 1 thread: \(label)")
                XCTAssertEqual(shared.values.map(\.bitPattern), byTiles.values.map(\.bitPattern), "stages vs tiles: \(label)")
            }
        }
    }

    func testPooledConvolutionOnEveryGemmKernel() {
        var rng = SplitMix64(seed: 0x9_5EED)
        let input = WindowedCase.random(batch: 2, channels: 4, height: 11, width: 141, rng: &rng)
        let cout = 9, c = input.buffer.c
        let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
        var ran = 0
        for kernel in GemmKernel.allCases where kernel.isSupported {
            for tile in WinogradTile.allCases where tile.fusesPool {
                for ceil in [true, false] {
                    let want = exactPooled(input, weights: weights, bias: bias, outChannels: cout, pad: (1, 1), relu: false, ceil: ceil)
                    for split in WinogradSplit.allCases {
                        let got = kernel.whileCurrent {
                            runPooledWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (1, 1),
                                              relu: false, ceil: ceil, scratchTiles: 40, threads: 2, split: split)
                        }
                        XCTAssertLessThanOrEqual(relativeError(got, want), Self.bound(tile), "\(kernel.name) \(tile) ceil=\(ceil) \(split)")
                        ran += 1
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(ran, 8, "at least the portable kernel runs, for both tiles and roundings")
    }

    func testPoolOfAOneRowOutputFlooredWritesNothing() {
        // Conv output 1 x 9: floor pooling leaves 0 x 4, ceil 1 x 5 (each window one row).
        var rng = SplitMix64(seed: 0x9_0001)
        let input = WindowedCase.random(batch: 2, channels: 3, height: 1, width: 9, rng: &rng)
        let weights = randomArray(2 * 3 * 9, rng: &rng)
        for tile in WinogradTile.allCases where tile.fusesPool {
            let u = weights.withUnsafeBufferPointer { WinogradWeights(weights: $0.baseAddress!, inChannels: 3, outChannels: 2, tile: tile) }
            let cap = Kernels.winogradScratchFloats(tile: tile, inChannels: 3, outChannels: 2, tiles: 100)
            var out = [Float](repeating: .nan, count: 4)
            input.withWindow { win in
                withScratch(cap) { scratch, cap in
                    out.withUnsafeMutableBufferPointer {
                        Kernels.winogradConv2d(input: win, batch: 2, weights: u, bias: nil, padH: 1, padW: 1, relu: false,
                                               pool: WinogradPool(height: 0, width: 4), output: $0.baseAddress!,
                                               scratch: scratch, scratchCapacity: cap, threads: 1)
                    }
                }
            }
            XCTAssertTrue(out.allSatisfy(\.isNaN), "\(tile): an empty pooled output is not written")
            let want = exactPooled(input, weights: weights, bias: nil, outChannels: 2, pad: (1, 1), relu: false, ceil: true)
            let got = runPooledWinograd(input, weights: weights, bias: nil, outChannels: 2, tile: tile, pad: (1, 1), relu: false,
                                        ceil: true, scratchTiles: 100, threads: 1)
            XCTAssertEqual(want.shape, [2, 2, 1, 5])
            XCTAssertLessThanOrEqual(relativeError(got, want), Self.bound(tile), "\(tile) ceil")
        }
    }
}
