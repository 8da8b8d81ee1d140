// Dilated Winograd with each sub-grid's own tile grid (sub-grids of every d-th row and column
// differ by a row or a column when d does not divide the output): the tile count of the kernel
// and of the plan's rule against counting sub-grid by sub-grid; the conv against the naive
// dilated convolution for dilations 2, 3 and 4 on sizes whose sub-grids differ (65x65, 17x23,
// 9x5, one row, outputs smaller than d so that some sub-grids are empty), pads 0, d and 100,
// chunks from one tile to all (so chunks start and end inside sub-grids and span several),
// 1 and 2 threads, both splits, every GEMM micro-kernel's transforms; every output written.

import XCTest
import FCNPlan
import FCNRuntime
import FCNTestSupport

extension KernelTestsWinograd {
    /// Σ over sub-grids (ry, rx) of ceil(rows / m) · ceil(columns / m), one sub-grid at a time.
    static func subGridTiles(m: Int, outHeight oh: Int, outWidth ow: Int, dilation dh: Int, _ dw: Int) -> Int {
        var total = 0
        for ry in 0..<dh {
            for rx in 0..<dw {
                let rows = ry < oh ? (oh - ry + dh - 1) / dh : 0, cols = rx < ow ? (ow - rx + dw - 1) / dw : 0
                total += (rows + m - 1) / m * ((cols + m - 1) / m)
            }
        }
        return total
    }

    func testEverySubGridHasItsOwnTileGrid() {
        for tile in WinogradTile.allCases {
            for oh in 1...27 {
                for ow in [1, 2, 3, 5, 8, 13, 17, 33, 65] {
                    for (dh, dw) in [(1, 1), (2, 2), (3, 3), (4, 4), (2, 4), (5, 1), (1, 6), (30, 7)] {
                        let want = Self.subGridTiles(m: tile.m, outHeight: oh, outWidth: ow, dilation: dh, dw)
                        let label = "\(tile) \(oh)x\(ow) dilation \(dh)x\(dw)"
                        XCTAssertEqual(Kernels.winogradImageTiles(tile: tile, outHeight: oh, outWidth: ow, dilationH: dh,
                                                                  dilationW: dw), want, label)
                        XCTAssertEqual(ScratchRules.winogradTileGrid(m: tile.m, outHeight: oh, outWidth: ow, dilation: [dh, dw]).tiles,
                                       want, label)
                    }
                }
            }
        }
        // FCN-ResNet50 at 520x520: layer3/layer4 outputs are 65x65. Sub-grids of 17, 16, 16, 16 (d = 4)
        // or 33, 32 (d = 2) rows make 5 + 4 + 4 + 4 = 9 + 8 = 17 tile rows, as many as undilated.
        for d in [1, 2, 4] {
            XCTAssertEqual(Kernels.winogradImageTiles(tile: .f4x3, outHeight: 65, outWidth: 65, dilationH: d, dilationW: d), 289)
        }
        XCTAssertEqual(Kernels.winogradImageTiles(tile: .f2x3, outHeight: 65, outWidth: 65, dilationH: 4, dilationW: 4), 33 * 33)
    }

    func testDilatedConvolutionsOnUnequalSubGridsMatchTheNaiveDefinition() {
        var rng = SplitMix64(seed: 0x5_0B61)
        // (height, width, dilation h, dilation w, pad h, pad w): outputs with sub-grids of unequal sizes.
        let cases = [(65, 65, 4, 4, 4, 4), (17, 23, 3, 3, 3, 3), (9, 5, 2, 2, 2, 2), (1, 40, 2, 2, 2, 2),
                     (3, 2, 4, 4, 4, 4), (2, 3, 3, 3, 3, 3), (14, 11, 2, 2, 0, 0), (13, 21, 3, 3, 0, 0),
                     (3, 3, 4, 4, 100, 100), (33, 70, 2, 2, 2, 2), (10, 75, 4, 3, 4, 3), (1, 1, 3, 3, 3, 3)]
        for (index, (h, w, dh, dw, ph, pw)) in cases.enumerated() {
            let (input, weights, bias, want, scale) = Self.dilatedCase(batch: 1 + index % 2, height: h, width: w,
                                                                      dilation: (dh, dw), pad: (ph, pw), relu: false, rng: &rng)
            let cout = 4
            for tile in WinogradTile.allCases {
                for (tiles, threads, split) in [(1, 1, WinogradSplit.tiles), (3, 2, .tiles), (40, 2, .stages),
                                                (100_000, 1, .tiles), (100_000, 2, .tiles)] {
                    let got = runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (ph, pw),
                                          dilation: (dh, dw), relu: false, scratchTiles: tiles, threads: threads, split: split)
                    let label = "\(tile) \(input.description) dilation \(dh)x\(dw) pad \(ph)x\(pw): chunks of \(tiles), \(threads) threads, \(split)"
                    XCTAssertEqual(got.shape, want.shape, label)
                    XCTAssertLessThanOrEqual(Double(Self.worstDifference(got.values, want.values) / scale), Self.bound(tile), label)
                }
            }
        }
    }

    /// The sub-grid numbering lives in the per-ISA gathers and scatters: each kernel the CPU has.
    func testEveryGemmKernelsDilatedTransformsMatchTheNaiveDefinition() {
        var rng = SplitMix64(seed: 0xD1_15A)
        // (height, width, dilation): 65x65 with d = 4 has sub-grids 17, 16, 16, 16 wide; 70 wide rows.
        for (h, w, d) in [(65, 65, 4), (21, 70, 2), (11, 38, 3)] {
            let input = WindowedCase.random(batch: 2, channels: 4, height: h, width: w, rng: &rng)
            let cout = 5, c = input.buffer.c
            let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
            let p = ConvParams(inChannels: c, outChannels: cout, kernelH: 3, kernelW: 3, padH: d, padW: d, dilationH: d, dilationW: d)
            let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: true)
            var ran = 0
            for kernel in GemmKernel.allCases where kernel.isSupported {
                for tile in WinogradTile.allCases {
                    let got = kernel.whileCurrent {
                        runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (d, d),
                                    dilation: (d, d), relu: true, scratchTiles: 37, threads: 2)
                    }
                    let worst = Self.worstDifference(got.values, want.values) / Float(3 * c * 9)
                    XCTAssertLessThanOrEqual(Double(worst), Self.bound(tile), "\(kernel.name) \(tile) \(h)x\(w) dilation \(d)")
                    ran += 1
                }
            }
            XCTAssertGreaterThanOrEqual(ran, 2, "at least the portable kernel runs, for both tiles")
        }
    }

    /// max |got - want|, infinite when a value is NaN (an output the kernel never wrote stays NaN).
    static func worstDifference(_ got: [Float], _ want: [Float]) -> Float {
        if got.count != want.count { return .infinity }
        var worst: Float = 0
        for (a, b) in zip(got, want) {
            let d = abs(a - b)
            if d.isNaN { return .infinity }
            worst = max(worst, d)
        }
        return worst
    }
}
