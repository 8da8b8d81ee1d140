// Winograd convolution for stride-1, dilation-1, 3x3, ungrouped convolutions (any padding, any
// size; tiles past the output's edge read zeros and their outputs are dropped).
//
// Weights are transformed once (WinogradWeights, when the executable is built): U[ξ] is a
// C_out x C_in matrix for each of the alpha² positions ξ. A run then goes over the output tiles
// (m x m each, row-major over images, tile rows and tile columns) in chunks of T tiles:
//   1. input transform: each channel's (m+2)² input patch of each tile -> V[ξ] (C_in x T),
//      eight tiles per SIMD8 vector (WinogradTransforms.swift);
//   2. alpha² GEMMs on fcngc's own kernel (Gemm.swift), U[ξ] packed once: M[ξ] (C_out x T) = U[ξ] · V[ξ];
//   3. output transform: M -> m x m outputs per tile, bias and ReLU fused, written to the output.
// Threads: as in conv2d, each GEMM is single-threaded; each worker owns a contiguous range of
// tiles and a slice of the scratch, and runs all three stages on its own chunks without
// synchronising. Scratch per worker: alpha²·(C_in + C_out)·T floats plus small row buffers;
// T is as large as the worker's slice allows (chunks evened out), so the scratch is bounded
// by the plan, never by the image.

import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import FCNPlan

/// Transformed 3x3 weights: alpha² matrices of C_out x C_in, each packed for fcngc's GEMM
/// (PackedGemmOperand, under the micro-kernel in use when they were made), position-major.
public final class WinogradWeights: @unchecked Sendable {
    public let tile: WinogradTile
    public let inChannels: Int
    public let outChannels: Int
    /// The GEMM micro-kernel the matrices are packed for.
    public let kernel: GemmKernel
    /// alpha² packed matrices of `packedFloats` floats each.
    let packed: Tensor
    let packedFloats: Int

    /// Transforms weights (C_out, C_in, 3, 3): U = G g G^T, computed in Double, then packed,
    /// a block of output channels at a time (only one block unpacked per worker at once).
    public init(weights: UnsafePointer<Float>, inChannels: Int, outChannels: Int, tile: WinogradTile,
                threads: Int = Kernels.threads) {
        self.tile = tile
        self.inChannels = inChannels
        self.outChannels = outChannels
        kernel = GemmKernel.current
        packedFloats = PackedGemmOperand.floats(rows: outChannels, depth: inChannels)
        packed = Tensor(shape: [tile.positions, packedFloats])
        let a = tile.alpha, positions = tile.positions, g = tile.g
        let blockRows = PackedGemmOperand.rowUnit * max(1, 32 / PackedGemmOperand.rowUnit)
        let blocks = (outChannels + blockRows - 1) / blockRows
        let dst = SendableBox(packed.pointer), src = SendableBox(weights), floats = packedFloats
        Kernels.parallelFor(blocks, threads: threads) { block in
            let co0 = block * blockRows, rows = min(blockRows, outChannels - co0)
            let plane = rows * inChannels
            let u = UnsafeMutablePointer<Float>.allocate(capacity: positions * plane)
            defer { u.deallocate() }
            var gk = [Double](repeating: 0, count: a * 3)
            for r in 0..<rows {
                for ci in 0..<inChannels {
                    let w = src.value + ((co0 + r) * inChannels + ci) * 9
                    // gk = G · w (alpha x 3), then U = gk · G^T (alpha x alpha).
                    for i in 0..<a {
                        for c in 0..<3 {
                            gk[i * 3 + c] = g[i][0] * Double(w[c]) + g[i][1] * Double(w[3 + c]) + g[i][2] * Double(w[6 + c])
                        }
                    }
                    for i in 0..<a {
                        for j in 0..<a {
                            let v = gk[i * 3] * g[j][0] + gk[i * 3 + 1] * g[j][1] + gk[i * 3 + 2] * g[j][2]
                            u[(i * a + j) * plane + r * inChannels + ci] = Float(v)
                        }
                    }
                }
            }
            for xi in 0..<positions {
                PackedGemmOperand.pack(rows: outChannels, depth: inChannels, row0: co0, count: rows,
                                       source: u + xi * plane, ld: inChannels, into: dst.value + xi * floats)
            }
        }
    }

    /// U[ξ] as a packed GEMM operand.
    func matrix(_ xi: Int) -> PackedGemmOperand {
        PackedGemmOperand(rows: outChannels, depth: inChannels, pointer: packed.pointer + xi * packedFloats)
    }

    /// The transformed weights unpacked: (alpha², C_out, C_in), for inspection and tests.
    public var transformed: Tensor {
        let t = Tensor(shape: [tile.positions, outChannels, inChannels])
        for xi in 0..<tile.positions {
            let src = packed.pointer + xi * packedFloats, dst = t.pointer + xi * outChannels * inChannels
            for co in 0..<outChannels {
                for ci in 0..<inChannels {
                    dst[co * inChannels + ci] = src[PackedGemmOperand.index(rows: outChannels, depth: inChannels, row: co, column: ci)]
                }
            }
        }
        return t
    }

    /// Bytes the transformed weights take.
    public var bytes: Int { packed.count * MemoryLayout<Float>.stride }
}

extension Kernels {
    /// Floats of scratch one worker needs for chunks of `tiles` tiles.
    public static func winogradScratchFloats(tile: WinogradTile, inChannels: Int, outChannels: Int, tiles: Int) -> Int {
        let l = WinogradLayout(tile: tile, inChannels: inChannels, outChannels: outChannels, tiles: tiles)
        return l.total
    }

    /// output (batch, C_out, OH, OW) = conv3x3(input, weights, pad) + bias, then ReLU if `relu`.
    /// `scratch` must hold `winogradScratchFloats(…, tiles: 1)` floats; more gives larger chunks.
    public static func winogradConv2d(
        input: InputWindow, batch: Int, weights u: WinogradWeights, bias: UnsafePointer<Float>?,
        padH: Int, padW: Int, relu: Bool, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, scratchCapacity: Int, threads: Int = Kernels.threads
    ) {
        precondition(input.channels == u.inChannels, "winograd input has \(input.channels) channels, expected \(u.inChannels)")
        precondition(u.kernel == GemmKernel.current, "winograd weights packed for \(u.kernel.name), GEMM now \(GemmKernel.current.name)")
        let m = u.tile.m
        let oh = input.height + 2 * padH - 2, ow = input.width + 2 * padW - 2
        if oh <= 0 || ow <= 0 || batch <= 0 { return }
        applyBLASThreads(1)
        let geo = WinogradGeometry(input: input, padH: padH, padW: padW, outHeight: oh, outWidth: ow,
                                   tilesY: (oh + m - 1) / m, tilesX: (ow + m - 1) / m, m: m)
        let total = batch * geo.tilesY * geo.tilesX
        let minimum = winogradScratchFloats(tile: u.tile, inChannels: u.inChannels, outChannels: u.outChannels, tiles: 1)
        precondition(scratchCapacity >= minimum, "winograd scratch too small: \(scratchCapacity) floats, need at least \(minimum)")
        let workers = max(1, min(threads, total, scratchCapacity / minimum))
        let slice = scratchCapacity / workers
        let scratchBox = SendableBox(scratch), outBox = SendableBox(output), biasBox = SendableBox(bias)
        let body: (Int) -> Void = { w in
            let lo = total * w / workers, hi = total * (w + 1) / workers
            if hi <= lo { return }
            var fit = 1
            while fit < hi - lo, winogradScratchFloats(tile: u.tile, inChannels: u.inChannels, outChannels: u.outChannels,
                                                        tiles: fit * 2) <= slice { fit *= 2 }
            var step = fit
            while step > 1 {
                step /= 2
                if fit + step <= hi - lo, winogradScratchFloats(tile: u.tile, inChannels: u.inChannels, outChannels: u.outChannels,
                                                                tiles: fit + step) <= slice { fit += step }
            }
            let size = winogradChunkTiles(u, fit: fit)
            let layout = WinogradLayout(tile: u.tile, inChannels: u.inChannels, outChannels: u.outChannels, tiles: size)
            let buffers = WinogradBuffers(layout: layout, base: scratchBox.value + w * slice)
            var a = lo
            while a < hi {
                let b = min(hi, a + size)
                winogradChunk(geo, u, tiles: a..<b, buffers, bias: biasBox.value, relu: relu, output: outBox.value)
                a = b
            }
        }
        if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
    }
}

extension Kernels {
    /// Tiles per chunk: whole GEMM panels (32 columns) and, where the scratch allows more, only
    /// as many as keep a chunk's transformed inputs and products near the L2 cache
    /// (`winogradChunkBytes`), but at least 32, and never more than `fit`.
    static func winogradChunkTiles(_ u: WinogradWeights, fit: Int) -> Int {
        let perTile = u.tile.positions * (u.inChannels + u.outChannels) * MemoryLayout<Float>.stride
        let target = max(32, winogradChunkBytes / perTile / 32 * 32)
        return max(1, min(fit, target))
    }

    static let winogradChunkBytes: Int = {
        if let v = getenv("FCNGC_WINOGRAD_CHUNK_KB"), let kb = Int(String(cString: v)) { return kb * 1024 }
        return 1536 * 1024
    }()
}

/// Where the tiles are: the input window, padding, output size and tile grid.
struct WinogradGeometry {
    var input: InputWindow
    var padH: Int, padW: Int
    var outHeight: Int, outWidth: Int
    var tilesY: Int, tilesX: Int
    var m: Int

    /// Calls body(image, tile row, first tile column, tiles, offset in the chunk) for each run of
    /// tiles of one tile row inside the linear tile range.
    @inline(__always)
    func segments(_ tiles: Range<Int>, _ body: (Int, Int, Int, Int, Int) -> Void) {
        var i = tiles.lowerBound
        while i < tiles.upperBound {
            let n = i / (tilesY * tilesX), r = i % (tilesY * tilesX)
            let ty = r / tilesX, tx = r % tilesX
            let len = min(tilesX - tx, tiles.upperBound - i)
            body(n, ty, tx, len, i - tiles.lowerBound)
            i += len
        }
    }
}

/// Per-worker scratch layout for chunks of up to `tiles` tiles.
struct WinogradLayout {
    let tile: WinogradTile
    let tiles: Int
    /// Row stride of the phase buffers (input rows, output rows): tiles + 16, rounded to 16.
    let phaseStride: Int
    let v: Int, mOffset: Int, p: Int, o: Int, tmp: Int, total: Int

    init(tile: WinogradTile, inChannels: Int, outChannels: Int, tiles: Int) {
        func round(_ x: Int) -> Int { (x + 15) / 16 * 16 }
        self.tile = tile
        self.tiles = tiles
        phaseStride = round(tiles + 16)
        v = 0
        mOffset = round(tile.positions * inChannels * tiles)
        p = mOffset + round(tile.positions * outChannels * tiles + 16)
        o = p + tile.alpha * tile.m * phaseStride
        tmp = o + tile.m * tile.m * phaseStride
        total = tmp + 64 * 8 + 16   // + 16: the base is aligned up to 64 bytes
    }
}

struct WinogradBuffers {
    let layout: WinogradLayout
    let v: UnsafeMutablePointer<Float>
    let m: UnsafeMutablePointer<Float>
    let p: UnsafeMutablePointer<Float>
    let o: UnsafeMutablePointer<Float>
    let tmp: UnsafeMutablePointer<Lanes>

    init(layout: WinogradLayout, base unaligned: UnsafeMutablePointer<Float>) {
        self.layout = layout
        let base = UnsafeMutableRawPointer(unaligned).alignedUp(toMultipleOf: 64).assumingMemoryBound(to: Float.self)
        v = base + layout.v
        m = base + layout.mOffset
        p = base + layout.p
        o = base + layout.o
        tmp = UnsafeMutableRawPointer(base + layout.tmp).bindMemory(to: Lanes.self, capacity: 64)
    }
}

extension WinogradTile {
    /// The tile a plan's algorithm asks for (nil: not Winograd).
    public init?(_ algorithm: ConvAlgorithm) {
        switch algorithm {
        case .winogradF2x3: self = .f2x3
        case .winogradF4x3: self = .f4x3
        case .im2colGemm, .gemm1x1: return nil
        }
    }
}
