// Pooling fast path for windows 2 or 3 columns wide at column stride 2 (VGG's 2x2/2, AlexNet's
// 3x3/2, ResNet's 3x3/2 pad 1), any window height, row stride and padding.
//
// Each output row in two passes, as the general path, but both vectorised (SIMD8, AVX2 under
// -march=x86-64-v3): first the window's input rows are combined element-wise into one row of
// column values (a temp row in L1), then 8 outputs at a time read 16 consecutive column values,
// split them into even and odd columns with one in-lane shuffle each (shufps), combine them (and
// for width 3 the even columns 2 further on) and restore the lane order with one permute. Doing
// the shuffles after the rows are combined, on a temp row, keeps them at 2 or 3 per 8 outputs
// (LLVM moves shuffles ahead of the selects when they are fused into one expression). Outputs
// whose windows reach into the left or right padding or past the last column (Caffe's ceil
// rounding), and the last fewer-than-8 outputs of a row, are computed one at a time.
//
// Both follow the general path's order of operations exactly: a column's value is its rows
// combined top to bottom, a window's is its columns combined left to right starting from
// -FLT_MAX (max) or 0 (average); max keeps `b` where `b >= a` (Swift's max(a, b)), average
// divides the sum by Caffe's pool size. So results are identical bit for bit to the general
// path's, -0, +-inf and NaN included (for averages, a NaN's payload may differ: LLVM may swap
// an addition's operands, and x86 keeps the first NaN's).

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
            // The combined row, with room for a block's loads past the last column (never used).
            let columns = UnsafeMutablePointer<Float>.allocate(capacity: w + 24)
            columns.initialize(repeating: 0, count: w + 24)
            defer { columns.deallocate() }
            for item in range {
                let src = input.plane(item / channels, item % channels)
                var dst = outBox.value + item * oh * ow
                for oy in 0..<oh {
                    let (hs, he, paddedRows) = p.rowWindow(oy, height: h)
                    if hs >= he {
                        dst.update(repeating: R.emptyWindow, count: ow)
                    } else {
                        combineRows(R.self, rows: src + hs * rs, rowStride: rs, rowCount: he - hs, width: w,
                                    into: columns)
                        poolColumnsStride2(R.self, columns: columns, width: w, kernelW: p.kernelW, padW: p.padW,
                                           caffeRows: paddedRows, output: dst, outputWidth: ow)
                    }
                    dst += ow
                }
            }
        }
    }

    /// columns[x] = the `rowCount` rows from `rows` at column x, combined top to bottom.
    @inline(__always)
    static func combineRows<R: PoolReducer>(_: R.Type, rows: UnsafePointer<Float>, rowStride rs: Int, rowCount: Int,
                                            width w: Int, into columns: UnsafeMutablePointer<Float>) {
        var x = 0
        while x + 8 <= w {
            var t = load8(rows + x), r = rows + x
            for _ in 1..<max(1, rowCount) { r += rs; t = R.combine(t, load8(r)) }
            UnsafeMutableRawPointer(columns + x).storeBytes(of: t, as: SIMD8<Float>.self)
            x += 8
        }
        while x < w {
            var t = rows[x], r = rows + x
            for _ in 1..<max(1, rowCount) { r += rs; t = R.combine(t, r.pointee) }
            columns[x] = t
            x += 1
        }
    }

    /// One output row from its combined input row: output ox covers columns 2ox - padW ..<
    /// 2ox - padW + kw; `caffeRows` is the window's height counted into the padding.
    @inline(__always)
    static func poolColumnsStride2<R: PoolReducer>(_: R.Type, columns: UnsafePointer<Float>, width w: Int,
                                                   kernelW kw: Int, padW: Int, caffeRows: Int,
                                                   output dst: UnsafeMutablePointer<Float>, outputWidth ow: Int) {
        // One output from its clipped columns (the general path's formula).
        @inline(__always) func single(_ ox: Int) {
            let ws0 = ox * 2 - padW, we0 = min(ws0 + kw, w + padW)
            let cs = max(ws0, 0), ce = max(cs, min(we0, w))
            var v = R.start
            for x in cs..<ce { v = R.combine(v, columns[x]) }
            dst[ox] = R.finish(v, size: Float(caffeRows * (we0 - ws0)), empty: ce <= cs)
        }
        var ox = 0
        while ox < ow && ox * 2 < padW { single(ox); ox += 1 }
        // Blocks of 8 outputs whose windows lie inside the input. Lanes are in the order
        // 0 1 4 5 2 3 6 7 (shufps works within 128-bit halves) until the final permute.
        let size = SIMD8<Float>(repeating: Float(caffeRows * kw))
        while ox + 8 <= ow && (ox + 7) * 2 - padW + kw <= w {
            let c = columns + (ox * 2 - padW)
            let lo = load8(c), hi = load8(c + 8)
            var v = R.combine(R.combine(SIMD8(repeating: R.start), evenLanes(lo, hi)), oddLanes(lo, hi))
            if kw == 3 { v = R.combine(v, evenLanes(load8(c + 2), load8(c + 10))) }
            v = R.finish(v, size: size)
            UnsafeMutableRawPointer(dst + ox).storeBytes(of: SIMD8(v[0], v[1], v[4], v[5], v[2], v[3], v[6], v[7]),
                                                         as: SIMD8<Float>.self)
            ox += 8
        }
        while ox < ow { single(ox); ox += 1 }
    }

    /// Lanes 0 2 of each 128-bit half of a, then of b: a0 a2 b0 b2 a4 a6 b4 b6 (one shufps).
    @inline(__always)
    static func evenLanes(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[0], a[2], b[0], b[2], a[4], a[6], b[4], b[6])
    }

    /// Lanes 1 3 of each 128-bit half: a1 a3 b1 b3 a5 a7 b5 b7 (one shufps).
    @inline(__always)
    static func oddLanes(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[1], a[3], b[1], b[3], a[5], a[7], b[5], b[7])
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
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
    @inline(__always) static func finish(_ v: Float, size: Float, empty: Bool) -> Float { v }
    @inline(__always) static func finish(_ v: SIMD8<Float>, size: SIMD8<Float>) -> SIMD8<Float> { v }
}

/// Average pooling: sums, divided by Caffe's pool size; 0 for a window outside the input.
enum AveragePoolReducer: PoolReducer {
    static var start: Float { 0 }
    static var emptyWindow: Float { 0 }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) static func finish(_ v: Float, size: Float, empty: Bool) -> Float { empty ? 0 : v / size }
    @inline(__always) static func finish(_ v: SIMD8<Float>, size: SIMD8<Float>) -> SIMD8<Float> { v / size }
}
