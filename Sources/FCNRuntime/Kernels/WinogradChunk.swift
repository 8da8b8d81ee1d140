// One chunk of Winograd tiles on one worker: input transform of every channel, alpha² GEMMs,
// output transform with bias and ReLU (see Winograd.swift for the whole algorithm).

extension Kernels {
    static func winogradChunk(_ geo: WinogradGeometry, _ u: WinogradWeights, tiles: Range<Int>,
                              _ buf: WinogradBuffers, bias: UnsafePointer<Float>?, relu: Bool,
                              output: UnsafeMutablePointer<Float>) {
        let count = tiles.count, cin = u.inChannels, cout = u.outChannels
        let positions = u.tile.positions
        // 1. V[ξ][c][t]
        for c in 0..<cin {
            geo.segments(tiles) { n, ty, tx, len, off in
                gatherPhases(geo, image: n, channel: c, tileRow: ty, firstTile: tx, tiles: len, buf)
                let ps = buf.layout.phaseStride
                var t = 0
                while t < len {
                    let v = buf.v + c * count + off + t
                    switch u.tile {
                    case .f4x3: WinogradF4.input(buf.p + t, ps, buf.tmp, v, cin * count, lanes: min(8, len - t))
                    case .f2x3: WinogradF2.input(buf.p + t, ps, buf.tmp, v, cin * count, lanes: min(8, len - t))
                    }
                    t += 8
                }
            }
        }
        // 2. M[ξ] = U[ξ] · V[ξ]
        for xi in 0..<positions {
            u.matrix(xi).multiply(n: count, b: buf.v + xi * cin * count, ldb: count, accumulate: false,
                                  c: buf.m + xi * cout * count, ldc: count)
        }
        // 3. outputs
        let ohw = geo.outHeight * geo.outWidth
        for co in 0..<cout {
            let b = bias?[co] ?? 0
            geo.segments(tiles) { n, ty, tx, len, off in
                let os = buf.layout.phaseStride
                var t = 0
                while t < len {
                    let mp = buf.m + co * count + off + t
                    switch u.tile {
                    case .f4x3: WinogradF4.output(mp, cout * count, buf.tmp, buf.o + t, os, bias: b, relu: relu)
                    case .f2x3: WinogradF2.output(mp, cout * count, buf.tmp, buf.o + t, os, bias: b, relu: relu)
                    }
                    t += 8
                }
                scatterPhases(geo, buf.o, os, output: output + (n * cout + co) * ohw, tileRow: ty, firstTile: tx, tiles: len)
            }
        }
    }

    /// Phase rows of one channel for tiles [tx, tx+len) of tile row ty: P[k][j][t] = input(row
    /// ty*m - padH + k, column (tx+t)*m + j - padW), zero outside the input; t in 0...len.
    @inline(__always)
    static func gatherPhases(_ geo: WinogradGeometry, image n: Int, channel c: Int, tileRow ty: Int,
                             firstTile tx: Int, tiles len: Int, _ buf: WinogradBuffers) {
        let m = geo.m, alpha = m + 2, ps = buf.layout.phaseStride
        let h = geo.input.height, w = geo.input.width
        let plane = geo.input.plane(n, c)
        // Tiles whose m columns all lie inside the input: t in [tA, tB).
        let x0 = tx * m - geo.padW
        let tA = min(len + 1, max(0, ceilDiv(-x0, m)))
        let tB = max(tA, min(len + 1, floorDiv(w - m - x0, m) + 1))
        for k in 0..<alpha {
            let iy = ty * m - geo.padH + k
            let dst = buf.p + k * m * ps
            if iy < 0 || iy >= h {
                for j in 0..<m { (dst + j * ps).update(repeating: 0, count: len + 1) }
                continue
            }
            let row = plane + iy * geo.input.rowStride + x0
            for t in 0..<tA { for j in 0..<m { let x = t * m + j; dst[j * ps + t] = (x0 + x >= 0 && x0 + x < w) ? row[x] : 0 } }
            if m == 4 {
                let d0 = dst, d1 = dst + ps, d2 = dst + 2 * ps, d3 = dst + 3 * ps
                for t in tA..<tB {
                    let s = row + 4 * t
                    d0[t] = s[0]; d1[t] = s[1]; d2[t] = s[2]; d3[t] = s[3]
                }
            } else {
                let d0 = dst, d1 = dst + ps
                for t in tA..<tB { let s = row + 2 * t; d0[t] = s[0]; d1[t] = s[1] }
            }
            for t in tB..<(len + 1) { for j in 0..<m { let x = t * m + j; dst[j * ps + t] = (x0 + x >= 0 && x0 + x < w) ? row[x] : 0 } }
        }
    }

    /// Writes phase rows O[a][b][t] (row a, column b of tile t) to the output plane `out`,
    /// dropping rows and columns past the output's edge.
    @inline(__always)
    static func scatterPhases(_ geo: WinogradGeometry, _ o: UnsafePointer<Float>, _ os: Int,
                              output out: UnsafeMutablePointer<Float>, tileRow ty: Int, firstTile tx: Int, tiles len: Int) {
        let m = geo.m, ow = geo.outWidth
        let full = min(len, max(0, (ow - tx * m) / m))   // tiles with all m columns inside
        for a in 0..<m {
            let oy = ty * m + a
            if oy >= geo.outHeight { break }
            let row = out + oy * ow + tx * m
            let src = o + a * m * os
            if m == 4 {
                let s0 = src, s1 = src + os, s2 = src + 2 * os, s3 = src + 3 * os
                for t in 0..<full {
                    let d = row + 4 * t
                    d[0] = s0[t]; d[1] = s1[t]; d[2] = s2[t]; d[3] = s3[t]
                }
            } else {
                let s0 = src, s1 = src + os
                for t in 0..<full { let d = row + 2 * t; d[0] = s0[t]; d[1] = s1[t] }
            }
            for t in full..<len {
                for b in 0..<m where (tx + t) * m + b < ow { row[t * m + b] = src[b * os + t] }
            }
        }
    }
}
