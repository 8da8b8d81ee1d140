// Max and average pooling with Caffe semantics: output size rounds up, then drops the last
// window if it would start in the right padding. Max ignores padding; average divides by the
// window size clipped to the padded input (computed before clipping to the real input).
// Empty windows (pad 0, stride > kernel, rounded up) give -FLT_MAX (max, as Caffe) and 0 (avg).
// Floor rounding (PyTorch) computes the same windows minus the trailing ones.
// Windows 2 or 3 columns wide at column stride 2 take the SIMD fast path (PoolFast.swift), which
// gives the same bits; the general path below reduces each output row's input rows into a temp
// row, then each window's columns of it.

import FCNPlan

public struct PoolParams: Hashable, Sendable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int

    public init(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int = 0, padW: Int = 0) {
        precondition(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1
                     && padH >= 0 && padW >= 0, "bad pool parameters")
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
    }

    public init(kernel: Int, stride: Int, pad: Int = 0) {
        self.init(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad)
    }

    /// The rows of output row `oy`'s window over an input of `height` rows (Caffe): `first` ..<
    /// `end` inside the input (empty when `first >= end`), and `paddedRows`, how many it covers
    /// of the padded input (an average's divisor).
    @inline(__always)
    func rowWindow(_ oy: Int, height h: Int) -> (first: Int, end: Int, paddedRows: Int) {
        let start = oy * strideH - padH, stop = min(start + kernelH, h + padH)
        return (max(start, 0), min(stop, h), stop - start)
    }

    /// Caffe: ceil((in + 2p - k) / s) + 1, minus one if p > 0 and (out-1)*s >= in + p (FCNPlan's
    /// OutputSize rule); 0 where no window fits.
    public func outputSize(height: Int, width: Int, rounding: Rounding = .ceil) -> (height: Int, width: Int) {
        ((try? OutputSize.pool(height, kernel: kernelH, stride: strideH, pad: padH, rounding: rounding).get()) ?? 0,
         (try? OutputSize.pool(width, kernel: kernelW, stride: strideW, pad: padW, rounding: rounding).get()) ?? 0)
    }
}

extension Kernels {
    /// output (batch, C, OH, OW) = max over each window (padding ignored).
    public static func maxPool(input: InputWindow, batch: Int, params p: PoolParams, rounding: Rounding = .ceil,
                               output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads) {
        pool(input: input, batch: batch, params: p, rounding: rounding, output: output, threads: threads, average: false)
    }

    /// output (batch, C, OH, OW) = sum over each window / Caffe pool size.
    public static func avgPool(input: InputWindow, batch: Int, params p: PoolParams, rounding: Rounding = .ceil,
                               output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads) {
        pool(input: input, batch: batch, params: p, rounding: rounding, output: output, threads: threads, average: true)
    }

    /// The fast path where it applies (`path: .fastest`), else the general one.
    static func pool(input: InputWindow, batch: Int, params p: PoolParams, rounding: Rounding,
                     output: UnsafeMutablePointer<Float>, threads: Int, average: Bool, path: PoolPath = .fastest) {
        let (oh, ow) = p.outputSize(height: input.height, width: input.width, rounding: rounding)
        if batch <= 0 || oh <= 0 || ow <= 0 { return }
        switch path {
        case .fastest where poolFastPathApplies(p):
            if average {
                poolColumnStride2(AveragePoolReducer.self, input: input, batch: batch, params: p, outputHeight: oh,
                                  outputWidth: ow, output: output, threads: threads)
            } else {
                poolColumnStride2(MaxPoolReducer.self, input: input, batch: batch, params: p, outputHeight: oh,
                                  outputWidth: ow, output: output, threads: threads)
            }
        case .fastest, .general:
            poolGeneral(input: input, batch: batch, params: p, outputHeight: oh, outputWidth: ow,
                        output: output, threads: threads, average: average)
        }
    }

    /// Each output row: reduce its input rows into a temp row (vectorisable), then reduce each
    /// window's columns of the temp row.
    static func poolGeneral(input: InputWindow, batch: Int, params p: PoolParams, outputHeight oh: Int,
                            outputWidth ow: Int, output: UnsafeMutablePointer<Float>, threads: Int, average: Bool) {
        let h = input.height, w = input.width, rs = input.rowStride
        let channels = input.channels
        let lowest = -Float.greatestFiniteMagnitude
        // Column windows (clipped start/end and Caffe's divisor factor) are the same for every row.
        var colStart = [Int](repeating: 0, count: ow), colEnd = colStart, colSize = colStart
        for ox in 0..<ow {
            let ws0 = ox * p.strideW - p.padW, we0 = min(ws0 + p.kernelW, w + p.padW)
            colStart[ox] = max(ws0, 0)
            colEnd[ox] = max(colStart[ox], min(we0, w))
            colSize[ox] = we0 - ws0
        }
        let outBox = SendableBox(output)
        colStart.withUnsafeBufferPointer { cs in colEnd.withUnsafeBufferPointer { ce in
        colSize.withUnsafeBufferPointer { csz in
        parallelChunks(batch * channels, threads: threads) { range in
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, w))
            defer { tmp.deallocate() }
            for item in range {
                let src = input.plane(item / channels, item % channels)
                var dst = outBox.value + item * oh * ow
                for oy in 0..<oh {
                    let (hs, he, rowsIn) = p.rowWindow(oy, height: h)
                    if hs >= he {
                        // Empty window (pad 0, stride > kernel): Caffe's -FLT_MAX for max; 0 for average.
                        dst.update(repeating: average ? 0 : lowest, count: ow)
                        dst += ow
                        continue
                    }
                    tmp.update(from: src + hs * rs, count: w)
                    for y in (hs + 1)..<max(hs + 1, he) {
                        let row = src + y * rs
                        if average { for x in 0..<w { tmp[x] += row[x] } }
                        else { for x in 0..<w { tmp[x] = max(tmp[x], row[x]) } }
                    }
                    for ox in 0..<ow {
                        var x = cs[ox]
                        if average {
                            var sum: Float = 0
                            while x < ce[ox] { sum += tmp[x]; x += 1 }
                            dst[ox] = ce[ox] > cs[ox] ? sum / Float(rowsIn * csz[ox]) : 0
                        } else {
                            var m = lowest
                            while x < ce[ox] { m = max(m, tmp[x]); x += 1 }
                            dst[ox] = m
                        }
                    }
                    dst += ow
                }
            }
        }
        }}}
    }
}
