// Winograd minimal filtering F(m x m, 3 x 3) (Lavin & Gray 2015): an (m+2) x (m+2) input tile d
// and a 3x3 kernel g give an m x m output tile Y = A^T [(G g G^T) ⊙ (B^T d B)] A.
// F(2,3): 16 multiplications per 4 outputs instead of 36 (2.25x fewer); F(4,3): 36 per 16
// instead of 144 (4x fewer), with larger rounding error (its points 0, ±1, ±2 need the
// constants 4, 5, 8 and 1/24). F(6,3) (64 per 36, 5.06x) is not provided: its points ±1/2
// make the transforms' rounding error about 10x that of F(4,3) and its transformed weights take
// 7.1x the memory of the 3x3 ones (FCN-8s would pass the 1.0 GiB limit).
//
// Each transform is written out for eight tiles at once (one SIMD8 lane per tile). The input
// side works on "phase" rows: P[k][j][t] = input row k, column t*m + j of the segment, so tile
// t's columns 0..<m are P[k][0..<m][t] and its last two are P[k][0..<2][t+1]: every load is a
// contiguous SIMD8 load, whatever m is.

typealias Lanes = SIMD8<Float>

@inline(__always) func loadLanes(_ p: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
}

@inline(__always) func storeLanes(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, count: Int) {
    if count >= 8 {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    } else {
        for i in 0..<count { p[i] = v[i] }
    }
}

/// The tile sizes the kernel implements.
public enum WinogradTile: Int, Sendable, CaseIterable {
    case f2x3 = 2
    case f4x3 = 4

    /// Output tile side m.
    public var m: Int { rawValue }
    /// Input tile side m + 2.
    public var alpha: Int { rawValue + 2 }
    /// Element-wise products per tile: alpha².
    public var positions: Int { alpha * alpha }

    /// Rows of G (alpha x 3), exact in Double.
    var g: [[Double]] {
        switch self {
        case .f2x3: return [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        case .f4x3:
            return [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                    [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        }
    }
}

enum WinogradF4 {
    /// B^T d for a column (or row) d0...d5.
    @inline(__always)
    static func bt(_ d0: Lanes, _ d1: Lanes, _ d2: Lanes, _ d3: Lanes, _ d4: Lanes, _ d5: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        let a = d4 - 4 * d2, b = d3 - 4 * d1
        let c = d4 - d2, e = 2 * (d3 - d1)
        return (4 * d0 - 5 * d2 + d4, a + b, a - b, c + e, c - e, 4 * d1 - 5 * d3 + d5)
    }

    /// A^T m for m0...m5.
    @inline(__always)
    static func at(_ m0: Lanes, _ m1: Lanes, _ m2: Lanes, _ m3: Lanes, _ m4: Lanes, _ m5: Lanes)
        -> (Lanes, Lanes, Lanes, Lanes) {
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        return (m0 + s12 + s34, d12 + 2 * d34, s12 + 4 * s34, d12 + 8 * d34 + m5)
    }

    /// Eight tiles of one channel: phase rows at `p` (row k, phase j at p + (k*4 + j)*ps, tile t
    /// at +t) to the 36 transformed values, position ξ at v + ξ*vs (lanes: tiles to store).
    @inline(__always)
    static func input(_ p: UnsafePointer<Float>, _ ps: Int, _ tmp: UnsafeMutablePointer<Lanes>,
                      _ v: UnsafeMutablePointer<Float>, _ vs: Int, lanes: Int) {
        for col in 0..<6 {
            let q = col < 4 ? p + col * ps : p + (col - 4) * ps + 1
            let r = bt(loadLanes(q), loadLanes(q + 4 * ps), loadLanes(q + 8 * ps),
                       loadLanes(q + 12 * ps), loadLanes(q + 16 * ps), loadLanes(q + 20 * ps))
            tmp[col] = r.0; tmp[6 + col] = r.1; tmp[12 + col] = r.2
            tmp[18 + col] = r.3; tmp[24 + col] = r.4; tmp[30 + col] = r.5
        }
        for row in 0..<6 {
            let t = tmp + row * 6
            let r = bt(t[0], t[1], t[2], t[3], t[4], t[5])
            let o = v + row * 6 * vs
            storeLanes(r.0, o, count: lanes); storeLanes(r.1, o + vs, count: lanes)
            storeLanes(r.2, o + 2 * vs, count: lanes); storeLanes(r.3, o + 3 * vs, count: lanes)
            storeLanes(r.4, o + 4 * vs, count: lanes); storeLanes(r.5, o + 5 * vs, count: lanes)
        }
    }

    /// Eight tiles of one output channel: the 36 products (position ξ at mp + ξ*ms) to 4x4
    /// outputs plus bias, then ReLU, stored as phase rows (row a, phase b at o + (a*4 + b)*os).
    @inline(__always)
    static func output(_ mp: UnsafePointer<Float>, _ ms: Int, _ tmp: UnsafeMutablePointer<Lanes>,
                       _ o: UnsafeMutablePointer<Float>, _ os: Int, bias: Float, relu: Bool) {
        for row in 0..<6 {
            let q = mp + row * 6 * ms
            let r = at(loadLanes(q), loadLanes(q + ms), loadLanes(q + 2 * ms), loadLanes(q + 3 * ms),
                       loadLanes(q + 4 * ms), loadLanes(q + 5 * ms))
            tmp[row * 4] = r.0; tmp[row * 4 + 1] = r.1; tmp[row * 4 + 2] = r.2; tmp[row * 4 + 3] = r.3
        }
        let b = Lanes(repeating: bias), zero = Lanes(repeating: 0)
        for col in 0..<4 {
            let r = at(tmp[col], tmp[4 + col], tmp[8 + col], tmp[12 + col], tmp[16 + col], tmp[20 + col])
            var y = (r.0 + b, r.1 + b, r.2 + b, r.3 + b)
            if relu {
                y = (y.0.replacing(with: zero, where: y.0 .< zero), y.1.replacing(with: zero, where: y.1 .< zero),
                     y.2.replacing(with: zero, where: y.2 .< zero), y.3.replacing(with: zero, where: y.3 .< zero))
            }
            UnsafeMutableRawPointer(o + col * os).storeBytes(of: y.0, as: Lanes.self)
            UnsafeMutableRawPointer(o + (4 + col) * os).storeBytes(of: y.1, as: Lanes.self)
            UnsafeMutableRawPointer(o + (8 + col) * os).storeBytes(of: y.2, as: Lanes.self)
            UnsafeMutableRawPointer(o + (12 + col) * os).storeBytes(of: y.3, as: Lanes.self)
        }
    }
}

enum WinogradF2 {
    @inline(__always)
    static func bt(_ d0: Lanes, _ d1: Lanes, _ d2: Lanes, _ d3: Lanes) -> (Lanes, Lanes, Lanes, Lanes) {
        (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    }

    @inline(__always)
    static func at(_ m0: Lanes, _ m1: Lanes, _ m2: Lanes, _ m3: Lanes) -> (Lanes, Lanes) {
        (m0 + m1 + m2, m1 - m2 - m3)
    }

    /// As `WinogradF4.input`, for 4x4 input tiles (phases j = 0, 1).
    @inline(__always)
    static func input(_ p: UnsafePointer<Float>, _ ps: Int, _ tmp: UnsafeMutablePointer<Lanes>,
                      _ v: UnsafeMutablePointer<Float>, _ vs: Int, lanes: Int) {
        for col in 0..<4 {
            let q = col < 2 ? p + col * ps : p + (col - 2) * ps + 1
            let r = bt(loadLanes(q), loadLanes(q + 2 * ps), loadLanes(q + 4 * ps), loadLanes(q + 6 * ps))
            tmp[col] = r.0; tmp[4 + col] = r.1; tmp[8 + col] = r.2; tmp[12 + col] = r.3
        }
        for row in 0..<4 {
            let t = tmp + row * 4
            let r = bt(t[0], t[1], t[2], t[3])
            let o = v + row * 4 * vs
            storeLanes(r.0, o, count: lanes); storeLanes(r.1, o + vs, count: lanes)
            storeLanes(r.2, o + 2 * vs, count: lanes); storeLanes(r.3, o + 3 * vs, count: lanes)
        }
    }

    /// As `WinogradF4.output`, for 2x2 output tiles.
    @inline(__always)
    static func output(_ mp: UnsafePointer<Float>, _ ms: Int, _ tmp: UnsafeMutablePointer<Lanes>,
                       _ o: UnsafeMutablePointer<Float>, _ os: Int, bias: Float, relu: Bool) {
        for row in 0..<4 {
            let q = mp + row * 4 * ms
            let r = at(loadLanes(q), loadLanes(q + ms), loadLanes(q + 2 * ms), loadLanes(q + 3 * ms))
            tmp[row * 2] = r.0; tmp[row * 2 + 1] = r.1
        }
        let b = Lanes(repeating: bias), zero = Lanes(repeating: 0)
        for col in 0..<2 {
            let r = at(tmp[col], tmp[2 + col], tmp[4 + col], tmp[6 + col])
            var y = (r.0 + b, r.1 + b)
            if relu {
                y = (y.0.replacing(with: zero, where: y.0 .< zero), y.1.replacing(with: zero, where: y.1 .< zero))
            }
            UnsafeMutableRawPointer(o + col * os).storeBytes(of: y.0, as: Lanes.self)
            UnsafeMutableRawPointer(o + (2 + col) * os).storeBytes(of: y.1, as: Lanes.self)
        }
    }
}
