// Winograd chunks shared by all workers, for convolutions whose transformed weights U are large.
//
// Splitting the tiles between workers (Winograd.swift) makes every worker stream all of U
// through its GEMMs once per chunk of its own, so at 2 threads U is read twice as often and the
// chunks are half as large (the scratch is split too). Here the workers take the same chunk
// together instead, in three stages with a barrier between them (one parallelRanges each): the
// input transform by input channels, the alpha² products by positions ξ (each U[ξ] read by one
// worker), the output transform by output channels. Workers take ranges in turn, large ones
// first (guided), so one on a slower core takes less. U is then read once per chunk
// in all and the chunk is as large as one worker's would be alone. Every value is computed as by
// one worker alone (same transforms, same GEMM order per column), so the output does not depend
// on the thread count.

import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// How a Winograd conv's threads share the work: `tiles`, each worker its own range of tiles
/// (and chunks); `stages`, all workers on each chunk, stage by stage. `FCNGC_WINOGRAD_SPLIT=
/// tiles|stages` forces one where the caller does not (for measuring).
public enum WinogradSplit: String, Sendable, CaseIterable {
    case tiles, stages
}

extension Kernels {
    /// Floats of scratch one chunk of `tiles` tiles shared by `parts` workers needs.
    public static func winogradSplitScratchFloats(tile: WinogradTile, inChannels: Int, outChannels: Int, tiles: Int,
                                                  parts: Int) -> Int {
        fcn_winograd_split_scratch_floats(Int32(tile.m), inChannels, outChannels, tiles, Int32(parts))
    }

    static let winogradSplitOverride: WinogradSplit? = {
        guard let v = getenv("FCNGC_WINOGRAD_SPLIT") else { return nil }
        return WinogradSplit(rawValue: String(cString: v))
    }()

    /// Transformed weights above which workers share chunks (see the file header).
    public static let winogradSharedChunkWeightBytes = 16 << 20

    /// The number of workers sharing each chunk, or nil when the tiles are split between workers:
    /// `split`, else FCNGC_WINOGRAD_SPLIT, else `.stages` when U is over winogradSharedChunkWeightBytes.
    /// Stages need at least 2 threads and room for one chunk's rows per worker.
    static func winogradSplitParts(_ u: WinogradWeights, threads: Int, scratchCapacity: Int, split: WinogradSplit?) -> Int? {
        let parts = max(1, threads)
        if parts == 1 { return nil }
        let chosen = split ?? winogradSplitOverride ?? (u.bytes > winogradSharedChunkWeightBytes ? .stages : .tiles)
        switch chosen {
        case .tiles: return nil
        case .stages:
            let one = winogradSplitScratchFloats(tile: u.tile, inChannels: u.inChannels, outChannels: u.outChannels,
                                                 tiles: 1, parts: parts)
            return scratchCapacity >= one ? parts : nil
        }
    }

    /// Runs all `tiles` tiles in chunks shared by `parts` workers, stage by stage.
    static func winogradSplitChunks(_ geometry: fcn_winograd_geometry, tiles total: Int, weights u: WinogradWeights,
                                    bias: UnsafePointer<Float>?, relu: Bool, output: UnsafeMutablePointer<Float>,
                                    scratch: UnsafeMutablePointer<Float>, scratchCapacity: Int, parts: Int) {
        let fit = winogradChunkFit(u, tiles: total, parts: parts, capacity: scratchCapacity)
        let size = winogradChunkTiles(u, fit: fit)
        let geo = SendableBox(geometry), scratchBox = SendableBox(scratch), outBox = SendableBox(output)
        let biasBox = SendableBox(bias), reluFlag: Int32 = relu ? 1 : 0
        var a = 0
        while a < total {
            let first = a, count = min(total - a, size)
            for stage: Int32 in 0..<3 {
                // Shared out guided (parallelRanges): channels down to 8 at a time, positions down to one.
                let units = fcn_winograd_stage_units(Int32(u.tile.m), u.inChannels, u.outChannels, stage)
                parallelRanges(units, workers: parts, minimum: stage == 1 ? 1 : 8) { slot, range in
                    var g = geo.value
                    fcn_winograd_chunk_stage(&g, u.inChannels, u.outChannels, u.packed.pointer, u.packedFloats, first,
                                             count, biasBox.value, reluFlag, outBox.value, scratchBox.value,
                                             stage, Int32(slot), Int32(parts), range.lowerBound, range.upperBound)
                }
            }
            a += count
        }
    }
}
