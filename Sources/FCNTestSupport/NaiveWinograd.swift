// The naive twin of the Winograd kernel: a 3x3 stride-1 convolution computed exactly (Double),
// and Winograd's F(m x m, 3 x 3) written from the textbook matrices (Lavin & Gray 2015), one
// tile at a time, in Double: Y = A^T [(G g G^T) ⊙ (B^T d B)] A.

public enum NaiveWinograd {
    /// (B^T, G, A^T) for m = 2, 4 or 6.
    public static func matrices(m: Int) -> (bt: [[Double]], g: [[Double]], at: [[Double]]) {
        precondition(m == 2 || m == 4 || m == 6, "F(\(m),3) is not defined here")
        if m == 6 {   // points 0, ±1, ±1/2 (scaled), ±2 (scaled), ∞
            return ([[1, 0, -5.25, 0, 5.25, 0, -1, 0], [0, 1, 1, -4.25, -4.25, 1, 1, 0], [0, -1, 1, 4.25, -4.25, -1, 1, 0],
                     [0, 0.5, 0.25, -2.5, -1.25, 2, 1, 0], [0, -0.5, 0.25, 2.5, -1.25, -2, 1, 0],
                     [0, 2, 4, -2.5, -5, 0.5, 1, 0], [0, -2, 4, 2.5, -5, -0.5, 1, 0], [0, -1, 0, 5.25, 0, -5.25, 0, 1]],
                    [[1, 0, 0], [-2.0 / 9, -2.0 / 9, -2.0 / 9], [-2.0 / 9, 2.0 / 9, -2.0 / 9],
                     [1.0 / 90, 1.0 / 45, 2.0 / 45], [1.0 / 90, -1.0 / 45, 2.0 / 45],
                     [1.0 / 45, 1.0 / 90, 1.0 / 180], [1.0 / 45, -1.0 / 90, 1.0 / 180], [0, 0, 1]],
                    [[1, 1, 1, 1, 1, 32, 32, 0], [0, 1, -1, 2, -2, 16, -16, 0], [0, 1, 1, 4, 4, 8, 8, 0],
                     [0, 1, -1, 8, -8, 4, -4, 0], [0, 1, 1, 16, 16, 2, 2, 0], [0, 1, -1, 32, -32, 1, -1, 1]])
        }
        if m == 2 {
            return ([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
                    [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
                    [[1, 1, 1, 0], [0, 1, -1, -1]])
        }
        return ([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                 [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
                [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                 [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]],
                [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]])
    }

    static func mul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        a.map { row in (0..<b[0].count).map { j in zip(row, b).reduce(0) { $0 + $1.0 * $1.1[j] } } }
    }

    static func transpose(_ a: [[Double]]) -> [[Double]] { (0..<a[0].count).map { j in a.map { $0[j] } } }

    /// G g G^T for a 3x3 kernel g.
    public static func transformKernel(_ g3: [[Double]], m: Int) -> [[Double]] {
        let g = matrices(m: m).g
        return mul(mul(g, g3), transpose(g))
    }

    /// One output tile (m x m) from an (m+2) x (m+2) input tile and a 3x3 kernel.
    public static func tile(_ d: [[Double]], kernel g3: [[Double]], m: Int) -> [[Double]] {
        let (bt, _, at) = matrices(m: m)
        let v = mul(mul(bt, d), transpose(bt))
        let u = transformKernel(g3, m: m)
        let prod = zip(u, v).map { zip($0, $1).map { $0 * $1 } }
        return mul(mul(at, prod), transpose(at))
    }

    /// Exact 3x3 stride-1 correlation with zero padding (Double accumulation), plus bias and
    /// ReLU; also the scale of each output, sum |x|·|w| + |b|, that rounding errors are relative to.
    public static func conv3x3(_ x: NaiveTensor, weights: [Float], bias: [Float]?, outChannels: Int,
                               padH: Int, padW: Int, relu: Bool) -> (out: [Double], scale: [Double], shape: [Int]) {
        let oh = x.h + 2 * padH - 2, ow = x.w + 2 * padW - 2
        let shape = [x.n, outChannels, max(oh, 0), max(ow, 0)]
        var out = [Double](repeating: 0, count: shape.reduce(1, *)), scale = out
        var i = 0
        for n in 0..<x.n { for co in 0..<outChannels { for oy in 0..<max(oh, 0) { for ox in 0..<max(ow, 0) {
            var s = Double(bias?[co] ?? 0), a = abs(s)
            for ci in 0..<x.c { for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy - padH + ky, ix = ox - padW + kx
                if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w { continue }
                let p = Double(x[n, ci, iy, ix]) * Double(weights[((co * x.c + ci) * 3 + ky) * 3 + kx])
                s += p; a += abs(p)
            }}}
            out[i] = relu ? max(s, 0) : s
            scale[i] = a
            i += 1
        }}}}
        return (out, scale, shape)
    }
}
