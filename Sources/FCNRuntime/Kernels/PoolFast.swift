// Pooling fast path for windows 2 or 3 columns wide at column stride 2 (VGG's 2x2/2, AlexNet's
// 3x3/2, ResNet's 3x3/2 pad 1), any window height, row stride and padding.
//
// Each output row is computed in one pass over its input rows, 8 outputs at a time: the window's
// rows are combined element-wise on 16 consecutive input columns (for width 3 also on the 16
// columns starting 2 further on), then even and odd columns are split (SIMD16 evenHalf/oddHalf,
// AVX2 shuffles under -march=x86-64-v3) and combined into 8 outputs. Outputs whose windows reach
// into the left or right padding or past the last column (Caffe's ceil rounding), and the last
// fewer-than-8 outputs of a row, are computed one at a time from the same column values.
//
// Both follow the general path's order of operations exactly: a column's value is its rows
// combined top to bottom, a window's is its columns combined left to right starting from
// -FLT_MAX (max) or 0 (average); max keeps `b` where `b >= a` (Swift's max(a, b)), average
// divides the sum by Caffe's pool size. So max and average results are identical bit for bit to
// the general path's, NaN, -0 and -inf included.

extension Kernels {
    /// Which pooling algorithm runs; `.fastest` picks the fast path where it applies.
    enum PoolPath: Sendable { case fastest, general }

    /// True when the fast path computes these windows: 2 or 3 columns wide, column stride 2.
    static func poolFastPathApplies(_ p: PoolParams) -> Bool {
        p.strideW == 2 && (p.kernelW == 2 || p.kernelW == 3)
    }

    /// The fast path over all planes, split over threads by planes like the general path.
    static func poolColumnStride2<R: PoolReducer>(_ reducer: R.Type, input: InputWindow, batch: Int,
                                                  params p: PoolParams, outputHeight oh: Int, outputWidth ow: Int,
                                                  output: UnsafeMutablePointer<Float>, threads: Int) {
        let h = input.height, w = input.width, rs = input.rowStride, channels = input.channels
        let outBox = SendableBox(output)
        parallelChunks(batch * channels, threads: threads) { range in
            for item in range {
                let src = input.plane(item / channels, item % channels)
                var dst = outBox.value + item * oh * ow
                for oy in 0..<oh {
                    let hs0 = oy * p.strideH - p.padH
                    let he0 = min(hs0 + p.kernelH, h + p.padH)
                    let hs = max(hs0, 0), he = min(he0, h)
                    if hs >= he {
                        dst.update(repeating: R.emptyWindow, count: ow)
                    } else {
                        poolRowColumnStride2(R.self, rows: src + hs * rs, rowStride: rs, rowCount: he - hs,
                                             caffeRows: he0 - hs0, width: w, kernelW: p.kernelW, padW: p.padW,
                                             output: dst, outputWidth: ow)
                    }
                    dst += ow
                }
            }
        }
    }

    /// One output row: `rowCount` input rows from `rows` (the first row in the window), `caffeRows`
    /// the window's height counted into the padding (the average's divisor).
    @inline(__always)
    static func poolRowColumnStride2<R: PoolReducer>(_: R.Type, rows: UnsafePointer<Float>, rowStride rs: Int,
                                                     rowCount: Int, caffeRows: Int, width w: Int, kernelW kw: Int,
                                                     padW: Int, output dst: UnsafeMutablePointer<Float>,
                                                     outputWidth ow: Int) {
        // The rows of column x combined top to bottom.
        @inline(__always) func column(_ x: Int) -> Float {
            var t = rows[x]
            var r = rows
            for _ in 1..<max(1, rowCount) { r += rs; t = R.combine(t, r[x]) }
            return t
        }
        // One output from its clipped columns (the general path's formula).
        @inline(__always) func single(_ ox: Int) {
            let ws0 = ox * 2 - padW, we0 = min(ws0 + kw, w + padW)
            let cs = max(ws0, 0), ce = max(cs, min(we0, w))
            var v = R.start
            for x in cs..<ce { v = R.combine(v, column(x)) }
            dst[ox] = R.finish(v, size: Float(caffeRows * (we0 - ws0)), empty: ce <= cs)
        }
        // 16 columns from x, rows combined.
        @inline(__always) func columns16(_ x: Int) -> SIMD16<Float> {
            var t = load16(rows + x)
            var r = rows
            for _ in 1..<max(1, rowCount) { r += rs; t = R.combine(t, load16(r + x)) }
            return t
        }
        // Output ox reads columns 2ox - padW ..< 2ox - padW + kw; a block of 8 loads `span` columns.
        let span = kw == 3 ? 18 : 16
        let firstInside = min(ow, (padW + 1) / 2)
        var ox = 0
        while ox < firstInside { single(ox); ox += 1 }
        let size = SIMD8<Float>(repeating: Float(caffeRows * kw))
        while ox + 8 <= ow && ox * 2 - padW + span <= w {
            let x = ox * 2 - padW
            let a = columns16(x)
            var v = SIMD8<Float>(repeating: R.start)
            v = R.combine(v, a.evenHalf)
            v = R.combine(v, a.oddHalf)
            if kw == 3 { v = R.combine(v, columns16(x + 2).evenHalf) }
            UnsafeMutableRawPointer(dst + ox).storeBytes(of: R.finish(v, size: size), as: SIMD8<Float>.self)
            ox += 8
        }
        while ox < ow { single(ox); ox += 1 }
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
}

/// How a pool combines values: the same operation over rows and over columns.
protocol PoolReducer {
    /// A window's value before its first column: -FLT_MAX (max) or 0 (average).
    static var start: Float { get }
    /// The output of a window with no input row (pad 0, stride > kernel): Caffe's -FLT_MAX or 0.
    static var emptyWindow: Float { get }
    static func combine(_ a: Float, _ b: Float) -> Float
    static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func combine(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float>
    /// A window's output from its combined value; `size` is Caffe's pool size (padding counted),
    /// `empty` when none of its columns is inside the input.
    static func finish(_ v: Float, size: Float, empty: Bool) -> Float
    static func finish(_ v: SIMD8<Float>, size: SIMD8<Float>) -> SIMD8<Float>
}

/// Max pooling: b where b >= a, else a (Swift's max(a, b), so a NaN in `b` is skipped).
enum MaxPoolReducer: PoolReducer {
    static var start: Float { -Float.greatestFiniteMagnitude }
    static var emptyWindow: Float { -Float.greatestFiniteMagnitude }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { b >= a ? b : a }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .>= a)
    }
    @inline(__always) static func combine(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        a.replacing(with: b, where: b .>= a)
    }
    @inline(__always) static func finish(_ v: Float, size: Float, empty: Bool) -> Float { v }
    @inline(__always) static func finish(_ v: SIMD8<Float>, size: SIMD8<Float>) -> SIMD8<Float> { v }
}

/// Average pooling: sums, divided by Caffe's pool size; 0 for a window outside the input.
enum AveragePoolReducer: PoolReducer {
    static var start: Float { 0 }
    static var emptyWindow: Float { 0 }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) static func combine(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a + b }
    @inline(__always) static func finish(_ v: Float, size: Float, empty: Bool) -> Float { empty ? 0 : v / size }
    @inline(__always) static func finish(_ v: SIMD8<Float>, size: SIMD8<Float>) -> SIMD8<Float> { v / size }
}
