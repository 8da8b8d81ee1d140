// Winograd convolution for stride-1, 3x3, ungrouped convolutions, any dilation (one undilated
// conv per sub-grid of every d-th row and column), any padding, any size (tiles past the
// output's edge read zeros and their outputs are dropped).
//
// Weights are transformed once (WinogradWeights, when the executable is built): U[ξ] is a
// C_out x C_in matrix for each of the alpha² positions ξ, packed for fcngc's GEMM. A run then
// goes over the output tiles (m x m each, row-major over images, sub-grid rows, tile rows,
// sub-grid columns and tile columns; each sub-grid of a dilated conv has the tiles its own size
// needs) in chunks of T tiles, each chunk done by Sources/CKernels/winograd.c (fcn_winograd_chunk):
//   1. input transform: each channel's (m+2)² input patch of each tile -> V[ξ] (C_in x T),
//      16 tiles per vector, written straight into the GEMM's packed panels (past the caches
//      when a chunk's V is over 16 MiB: `setWinogradStreamBytes`);
//   2. alpha² GEMMs on fcngc's own micro-kernel: M[ξ] (C_out x T) = U[ξ] · V[ξ];
//   3. output transform: M -> m x m outputs per tile, bias and ReLU fused, written to the output
//      (or, with a fused 2x2 stride-2 max pool, only each tile's pooled outputs: WinogradPool.swift).
// Threads: as in conv2d, each GEMM is single-threaded; each worker owns a contiguous range of
// tiles and a slice of the scratch, and runs all three stages on its own chunks without
// synchronising; or, when U is large, all workers share each chunk stage by stage
// (WinogradSplit.swift). Scratch per worker: about alpha²·(C_in + C_out)·T floats plus small row
// buffers; T is as large as the worker's slice allows (chunks evened out), so the scratch is
// bounded by the plan, never by the image.

import CKernels
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
    /// Sets the size (bytes) above which a chunk's transformed inputs V are stored past the caches
    /// (non-temporal stores: FCN-ResNet50's classifiers, V of 32-64 MiB; 16 MiB unless set) and
    /// returns the size before. Values are the same either way: for tests and tuning, set before
    /// any convolution runs.
    @discardableResult
    public static func setWinogradStreamBytes(_ bytes: Int) -> Int { fcn_winograd_set_stream_bytes(bytes) }

    /// Tiles of one image of a Winograd conv with this output, dilation and tile, as the kernel
    /// numbers them (each sub-grid of a dilated conv its own tile grid; ScratchRules.winogradTileGrid
    /// is the plan's copy of this rule).
    public static func winogradImageTiles(tile: WinogradTile, outHeight: Int, outWidth: Int, dilationH: Int = 1,
                                          dilationW: Int = 1) -> Int {
        var g = fcn_winograd_geometry()
        g.out_height = outHeight; g.out_width = outWidth; g.dil_h = dilationH; g.dil_w = dilationW; g.m = Int32(tile.m)
        return fcn_winograd_image_tiles(&g)
    }

    /// Floats of scratch one worker needs for chunks of `tiles` tiles.
    public static func winogradScratchFloats(tile: WinogradTile, inChannels: Int, outChannels: Int, tiles: Int) -> Int {
        fcn_winograd_scratch_floats(Int32(tile.m), inChannels, outChannels, tiles)
    }

    /// output (batch, C_out, OH, OW) = conv3x3(input, weights, pad, dilation) + bias, then ReLU
    /// if `relu`. A dilated conv runs as one undilated conv per sub-grid of every d-th row and
    /// column. With `pool` (undilated only), output (batch, C_out, pool.height, pool.width) is the
    /// 2x2 stride-2 max pool of that instead (WinogradPool.swift), the conv's output never stored.
    /// `scratch` must hold `winogradScratchFloats(…, tiles: 1)` floats (with or without a pool);
    /// more gives larger chunks. `split` says how threads share the work (nil: by the size of U,
    /// see WinogradSplit.swift).
    public static func winogradConv2d(
        input: InputWindow, batch: Int, weights u: WinogradWeights, bias: UnsafePointer<Float>?,
        padH: Int, padW: Int, dilationH: Int = 1, dilationW: Int = 1, relu: Bool, pool: WinogradPool? = nil,
        output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, scratchCapacity: Int, threads: Int = Kernels.threads,
        split: WinogradSplit? = nil
    ) {
        precondition(input.channels == u.inChannels, "winograd input has \(input.channels) channels, expected \(u.inChannels)")
        precondition(u.kernel == GemmKernel.current, "winograd weights packed for \(u.kernel.name), GEMM now \(GemmKernel.current.name)")
        let m = u.tile.m
        precondition(dilationH >= 1 && dilationW >= 1, "winograd dilation \(dilationH)x\(dilationW)")
        let oh = input.height + 2 * padH - 2 * dilationH, ow = input.width + 2 * padW - 2 * dilationW
        if oh <= 0 || ow <= 0 || batch <= 0 { return }
        if let pool {
            precondition(u.tile.fusesPool, "winograd \(u.tile) cannot fuse a 2x2 max pool (F(2,3) and F(4,3) can)")
            precondition(dilationH == 1 && dilationW == 1,
                         "winograd with a fused 2x2 max pool needs an undilated conv, got dilation \(dilationH)x\(dilationW)")
            precondition(isHalved(pool.height, oh) && isHalved(pool.width, ow),
                         "winograd fused 2x2 max pool of \(pool.height)x\(pool.width) for a \(oh)x\(ow) conv output: "
                         + "expected ceil or floor of half each (\((oh + 1) / 2) or \(oh / 2), \((ow + 1) / 2) or \(ow / 2))")
            if pool.height == 0 || pool.width == 0 { return }
        }
        applyBLASThreads(1)
        var described = fcn_winograd_geometry(
            input: input.plane(0, 0), image_stride: input.batchStride, plane_stride: input.planeStride,
            row_stride: input.rowStride, height: input.height, width: input.width, pad_h: padH, pad_w: padW,
            out_height: oh, out_width: ow, dil_h: dilationH, dil_w: dilationW, m: Int32(m),
            pool_height: pool?.height ?? 0, pool_width: pool?.width ?? 0)
        let total = batch * fcn_winograd_image_tiles(&described)
        let geometry = SendableBox(described)
        let minimum = winogradScratchFloats(tile: u.tile, inChannels: u.inChannels, outChannels: u.outChannels, tiles: 1)
        precondition(scratchCapacity >= minimum, "winograd scratch too small: \(scratchCapacity) floats, need at least \(minimum)")
        if let parts = winogradSplitParts(u, threads: threads, scratchCapacity: scratchCapacity, split: split) {
            winogradSplitChunks(geometry.value, tiles: total, weights: u, bias: bias, relu: relu, output: output,
                                scratch: scratch, scratchCapacity: scratchCapacity, parts: parts)
            return
        }
        let workers = max(1, min(threads, total, scratchCapacity / minimum))
        let slice = scratchCapacity / workers
        let fit = winogradChunkFit(u, tiles: total, parts: 1, capacity: slice)
        // Chunks of whole GEMM panels (32 tiles) where they fit, shared out guided (parallelRanges):
        // large ones first, 32 tiles at the end, so a worker on a slower core takes less. (Measured
        // at 2 threads, FCN-ResNet50's layer3 3x3 convs, 324 tiles each: 91.5 ms with the last
        // chunks of 64 tiles, 79.9 ms with 32, the same CPU time.)
        let size = winogradChunkTiles(u, fit: fit)
        let granule = size >= 32 ? 32 : 1
        let granules = (total + granule - 1) / granule
        let scratchBox = SendableBox(scratch), outBox = SendableBox(output), biasBox = SendableBox(bias)
        parallelRanges(granules, workers: workers, minimum: 1, maximum: size / granule) { w, range in
            let a = range.lowerBound * granule, b = min(total, range.upperBound * granule)
            var geo = geometry.value
            fcn_winograd_chunk(&geo, u.inChannels, u.outChannels, u.packed.pointer, u.packedFloats, a, b - a,
                               biasBox.value, relu ? 1 : 0, outBox.value, scratchBox.value + w * slice)
        }
    }
}

extension Kernels {
    /// Whether `pooled` is the ceil or the floor of size / 2 (a 2x2 stride-2 pool's output).
    private static func isHalved(_ pooled: Int, _ size: Int) -> Bool { pooled == size / 2 || pooled == (size + 1) / 2 }

    /// Tiles per chunk: whole GEMM panels (32 columns), at least 32, never more than `fit`, and
    /// up to `winogradChunkBytes` of transformed inputs and products, or all that fit when U is
    /// large (over `winogradLargeWeightBytes`). Every chunk streams all of U (alpha²·C_out·C_in
    /// floats: 38 MB for a 512 -> 512 conv under F(4,3), 151 MB for FCN-ResNet50's 2048 -> 512
    /// classifier) through the GEMM, so larger chunks read it less often; V and M are written and
    /// read once per chunk and stay in the last-level cache. (Measured, one thread: FCN-8s'
    /// conv4 took 1.2x as long in chunks of 32 tiles as in 64 or 128; the ResNet classifier
    /// 388 ms in chunks of 32, 254 ms in chunks of 128.)
    static func winogradChunkTiles(_ u: WinogradWeights, fit: Int) -> Int {
        let perTile = u.tile.positions * (u.inChannels + u.outChannels) * MemoryLayout<Float>.stride
        if u.bytes > winogradLargeWeightBytes { return max(1, fit) }
        let target = max(32, winogradChunkBytes / perTile / 32 * 32)
        return max(1, min(fit, target))
    }

    static let winogradLargeWeightBytes = 16 << 20

    /// The most tiles (at most `total`) whose chunk, shared by `parts` workers, fits in `capacity`
    /// floats (at least 1): the scratch grows with the tiles, in steps of 32.
    static func winogradChunkFit(_ u: WinogradWeights, tiles total: Int, parts: Int, capacity: Int) -> Int {
        func floats(_ tiles: Int) -> Int {
            winogradSplitScratchFloats(tile: u.tile, inChannels: u.inChannels, outChannels: u.outChannels,
                                       tiles: tiles, parts: parts)
        }
        var fit = 1
        while fit < total, floats(fit * 2) <= capacity { fit *= 2 }
        var step = fit
        while step > 1 {
            step /= 2
            if fit + step <= total, floats(fit + step) <= capacity { fit += step }
        }
        return fit
    }

    static let winogradChunkBytes: Int = {
        if let v = getenv("FCNGC_WINOGRAD_CHUNK_KB"), let kb = Int(String(cString: v)) { return kb * 1024 }
        return 10 << 20
    }()
}

extension WinogradTile {
    /// The tile a plan's algorithm asks for (nil: not Winograd).
    public init?(_ algorithm: ConvAlgorithm) {
        switch algorithm {
        case .winogradF2x3: self = .f2x3
        case .winogradF4x3: self = .f4x3
        case .winogradF6x3: self = .f6x3
        case .im2colGemm, .gemm1x1, .winogradF2x7: return nil
        }
    }
}
