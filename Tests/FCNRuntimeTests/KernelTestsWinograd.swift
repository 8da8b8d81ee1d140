// Winograd F(2,3), F(4,3) and F(6,3) against the naive twin (exact Double 3x3 convolution; the textbook
// matrices tile by tile): odd sizes from 1x1 outputs to tile tails, padding 0, 1, 2 and 100,
// channel counts that are not multiples of the SIMD width, windows, batch 2, bias and ReLU,
// minimal and ample scratch, 1 and 2 threads. Errors are asserted against a bound relative to
// the largest sum |x|·|w| of the case (F(4,3) is allowed 8x F(2,3)'s, F(6,3) 2x F(4,3)'s, all
// far under 1e-4).

import XCTest
import FCNRuntime
import FCNTestSupport

final class KernelTestsWinograd: XCTestCase {
    /// max |error| / max scale allowed: F(2,3) 2e-6, F(4,3) 1.6e-5, F(6,3) 3.2e-5 (measured: below
    /// a fifth of these; F(6,3) 4.7e-6 on the shapes below).
    static func bound(_ tile: WinogradTile) -> Double {
        switch tile {
        case .f2x3: return 2e-6
        case .f4x3: return 1.6e-5
        case .f6x3: return 3.2e-5
        }
    }

    func runWinograd(_ input: WindowedCase, weights: [Float], bias: [Float]?, outChannels: Int, tile: WinogradTile,
                     pad: (Int, Int), dilation: (Int, Int) = (1, 1), relu: Bool, scratchTiles: Int, threads: Int,
                     split: WinogradSplit? = nil) -> NaiveTensor {
        let cin = input.buffer.c
        let u = weights.withUnsafeBufferPointer {
            WinogradWeights(weights: $0.baseAddress!, inChannels: cin, outChannels: outChannels, tile: tile, threads: threads)
        }
        let oh = input.height + 2 * pad.0 - 2 * dilation.0, ow = input.width + 2 * pad.1 - 2 * dilation.1
        let cap = threads * Kernels.winogradScratchFloats(tile: tile, inChannels: cin, outChannels: outChannels, tiles: scratchTiles)
        return input.withWindow { win in
            runKernel(shape: [input.buffer.n, outChannels, oh, ow]) { out in
                withScratch(cap) { scratch, cap in
                    let b = bias.map { Tensor(shape: [$0.count], values: $0) }
                    Kernels.winogradConv2d(input: win, batch: input.buffer.n, weights: u, bias: b.map { UnsafePointer($0.pointer) },
                                           padH: pad.0, padW: pad.1, dilationH: dilation.0, dilationW: dilation.1,
                                           relu: relu, output: out,
                                           scratch: scratch, scratchCapacity: cap, threads: threads, split: split)
                }
            }
        }
    }

    /// max |got - exact| / max scale.
    func relativeError(_ got: NaiveTensor, _ want: (out: [Double], scale: [Double], shape: [Int])) -> Double {
        XCTAssertEqual(got.shape, want.shape)
        let scale = max(want.scale.max() ?? 0, 1e-30)
        var worst = 0.0
        for i in 0..<min(got.values.count, want.out.count) {
            let d = abs(Double(got.values[i]) - want.out[i])
            worst = max(worst, d.isNaN ? .infinity : d)
        }
        return worst / scale
    }

    func testMatchesExactConvolutionOnManyShapes() {
        var rng = SplitMix64(seed: 0x3_1A0)
        var worst: [WinogradTile: Double] = [:]
        for trial in 0..<150 {
            let tile = WinogradTile.allCases[trial % WinogradTile.allCases.count]
            let cin = [1, 3, 5, 8, 9, 11, 17][rng.nextInt(in: 0...6)], cout = rng.nextInt(in: 1...9)
            let pad = trial % 40 == 0 ? (100, 100) : (rng.nextInt(in: 0...2), rng.nextInt(in: 0...2))
            let small = pad.0 == 100
            let h = small ? rng.nextInt(in: 1...3) : rng.nextInt(in: 1...19)
            let w = small ? rng.nextInt(in: 1...3) : rng.nextInt(in: 1...19)
            if h + 2 * pad.0 < 3 || w + 2 * pad.1 < 3 { continue }
            let input = WindowedCase.random(batch: small ? 1 : rng.nextInt(in: 1...2), channels: small ? 2 : cin, height: h, width: w, rng: &rng)
            let c = input.buffer.c
            let weights = randomArray(cout * c * 9, rng: &rng)
            let bias = rng.nextBool() ? randomArray(cout, rng: &rng) : nil
            let relu = rng.nextBool()
            let scratchTiles = [1, 3, 1000][trial % 3]
            let got = runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: pad, relu: relu,
                                  scratchTiles: scratchTiles, threads: 1 + (trial / 2) % 2)
            let want = NaiveWinograd.conv3x3(input.dense, weights: weights, bias: bias, outChannels: cout,
                                             padH: pad.0, padW: pad.1, relu: relu)
            let err = relativeError(got, want)
            worst[tile] = max(worst[tile] ?? 0, err)
            XCTAssertLessThanOrEqual(err, Self.bound(tile), "trial \(trial) \(tile) cin \(c) cout \(cout) pad \(pad) \(input.description) relu=\(relu) scratch \(scratchTiles) tiles")
        }
        // Every tile ran, and the larger tiles really are the less precise (the bounds are not vacuous).
        XCTAssertGreaterThan(worst[.f6x3] ?? 0, worst[.f4x3] ?? 0)
        XCTAssertGreaterThan(worst[.f4x3] ?? 0, worst[.f2x3] ?? 0)
        XCTAssertGreaterThan(worst[.f2x3] ?? 0, 0)
        print("worst relative error per tile:", WinogradTile.allCases.map { "\($0): \(worst[$0] ?? 0)" })
    }

    func testChunkingAndThreadsDoNotChangeTheResult() {
        var rng = SplitMix64(seed: 77)
        let input = WindowedCase.random(batch: 2, channels: 10, height: 13, width: 17, rng: &rng)
        let weights = randomArray(6 * 10 * 9, rng: &rng), bias = randomArray(6, rng: &rng)
        for tile in WinogradTile.allCases {
            let ample = runWinograd(input, weights: weights, bias: bias, outChannels: 6, tile: tile, pad: (1, 1), relu: true,
                                    scratchTiles: 1000, threads: 1)
            for (tiles, threads) in [(1, 1), (1, 2), (2, 2), (5, 1), (7, 2)] {
                let got = runWinograd(input, weights: weights, bias: bias, outChannels: 6, tile: tile, pad: (1, 1), relu: true,
                                      scratchTiles: tiles, threads: threads)
                // Chunk sizes change the GEMMs' N (N = 1 may even be a GEMV), so OpenBLAS may sum in
                // another order: equal within the tile's error bound.
                let diff = zip(got.values, ample.values).map { abs($0 - $1) }.max() ?? .nan
                XCTAssertLessThanOrEqual(Double(diff), Self.bound(tile) * Double(ample.values.map(abs).max() ?? 0),
                                         "\(tile): chunks of \(tiles) tiles, \(threads) threads")
            }
        }
    }

    func testTextbookMatricesComputeTheCorrelation() {
        var rng = SplitMix64(seed: 5)
        for m in [2, 4, 6] {
            let d = (0..<(m + 2)).map { _ in (0..<(m + 2)).map { _ in Double(rng.nextFloat(in: -1...1)) } }
            let g = (0..<3).map { _ in (0..<3).map { _ in Double(rng.nextFloat(in: -1...1)) } }
            let y = NaiveWinograd.tile(d, kernel: g, m: m)
            for i in 0..<m { for j in 0..<m {
                var s = 0.0
                for a in 0..<3 { for b in 0..<3 { s += d[i + a][j + b] * g[a][b] } }
                XCTAssertEqual(y[i][j], s, accuracy: 1e-12, "F(\(m),3) tile (\(i), \(j))")
            }}
        }
    }

    func testWeightTransformIsGgGT() {
        var rng = SplitMix64(seed: 9)
        let cin = 3, cout = 2
        let w = randomArray(cout * cin * 9, rng: &rng)
        for tile in WinogradTile.allCases {
            let u = w.withUnsafeBufferPointer { WinogradWeights(weights: $0.baseAddress!, inChannels: cin, outChannels: cout, tile: tile) }
            let transformed = u.transformed
            XCTAssertEqual(transformed.shape, [tile.positions, cout, cin])
            for co in 0..<cout { for ci in 0..<cin {
                let g = (0..<3).map { r in (0..<3).map { c in Double(w[((co * cin + ci) * 3 + r) * 3 + c]) } }
                let want = NaiveWinograd.transformKernel(g, m: tile.m)
                for i in 0..<tile.alpha { for j in 0..<tile.alpha {
                    let got = transformed.pointer[((i * tile.alpha + j) * cout + co) * cin + ci]
                    XCTAssertEqual(Double(got), want[i][j], accuracy: 1e-6)
                }}
            }}
            withExtendedLifetime(transformed) {}
        }
    }
}
