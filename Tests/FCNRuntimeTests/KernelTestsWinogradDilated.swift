// Dilated 3x3 convolutions on Winograd (one undilated conv per sub-grid of every d-th row and
// column): against the naive dilated convolution (Caffe's definition), for dilations 2, 3 and 4
// and unequal ones, pads equal to, smaller and larger than the dilation, sizes that do not
// divide by the dilation, wide rows, windows, batch 2, bias and ReLU, both tiles, and chunks
// from the smallest to all tiles on 1 and 2 threads.

import XCTest
import FCNRuntime
import FCNTestSupport

extension KernelTestsWinograd {
    func testDilatedConvolutionsMatchTheNaiveDefinition() {
        var rng = SplitMix64(seed: 0xD11A)
        // (height, width, dilation h, dilation w, pad h, pad w)
        let cases = [(13, 17, 2, 2, 2, 2), (9, 70, 2, 2, 2, 2), (21, 19, 4, 4, 4, 4), (11, 12, 3, 3, 1, 0),
                     (8, 150, 2, 1, 2, 1), (10, 9, 1, 3, 0, 5), (5, 5, 2, 2, 0, 0), (7, 131, 4, 2, 3, 2)]
        for (index, (h, w, dh, dw, ph, pw)) in cases.enumerated() {
            let tile = WinogradTile.allCases[index % WinogradTile.allCases.count]
            let (input, weights, bias, want, scale) = Self.dilatedCase(batch: 1 + index % 2, height: h, width: w,
                                                                      dilation: (dh, dw), pad: (ph, pw), relu: true, rng: &rng)
            let cout = 4
            for (tiles, threads) in [(1, 1), (40, 2), (100_000, 2)] {
                let got = runWinograd(input, weights: weights, bias: bias, outChannels: cout, tile: tile, pad: (ph, pw),
                                      dilation: (dh, dw), relu: true, scratchTiles: tiles, threads: threads)
                XCTAssertEqual(got.shape, want.shape, "case \(index)")
                let worst = Self.worstDifference(got.values, want.values)   // NaN: an output never written
                XCTAssertLessThanOrEqual(Double(worst / scale), Self.bound(tile),
                                         "\(tile) \(input.description) dilation \(dh)x\(dw) pad \(ph)x\(pw): chunks of \(tiles), \(threads) threads")
            }
        }
    }

    /// A random 3-channel input (a window of a larger buffer), 4 output channels of random 3x3
    /// weights and bias, and the naive dilated conv's output; `scale` bounds every sum's size.
    static func dilatedCase(batch: Int, height h: Int, width w: Int, dilation: (Int, Int), pad: (Int, Int), relu: Bool,
                            rng: inout SplitMix64)
        -> (input: WindowedCase, weights: [Float], bias: [Float], want: NaiveTensor, scale: Float) {
        let input = WindowedCase.random(batch: batch, channels: 3, height: h, width: w, rng: &rng)
        let cout = 4, c = input.buffer.c
        let weights = randomArray(cout * c * 9, rng: &rng), bias = randomArray(cout, rng: &rng)
        let p = ConvParams(inChannels: c, outChannels: cout, kernelH: 3, kernelW: 3, padH: pad.0, padW: pad.1,
                           dilationH: dilation.0, dilationW: dilation.1)
        let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: relu)
        return (input, weights, bias, want, Float(3 * c * 9))   // inputs and weights in [-1, 1]: no sum is larger
    }
}
