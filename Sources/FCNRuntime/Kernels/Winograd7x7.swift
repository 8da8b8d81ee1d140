// Winograd F(2x2, 7x7) for stride-1, undilated, ungrouped 7x7 convolutions (the VGG FCNs' fc6):
// 64 multiplications per 2x2 output tile and channel pair instead of 196. The transformed
// weights would take 64/49 of the weights (537 MB for fc6, beside its 411 MB), so they are not
// kept: every run transforms them again, a block of 32 output channels at a time, right before
// that block's products. Sources/CKernels/winograd7.c has the algorithm.
//
// A run goes over groups of tiles (all tiles when the scratch allows; tiles numbered row-major
// over images, tile rows and tile columns):
//   1. the workers split the input channels and transform the group's inputs into V (shared);
//   2. the workers split the blocks of output channels; each transforms its block's weights
//      into its own slice of the scratch, runs the 64 GEMMs and writes the block's outputs.
// Each group transforms all weights once more, so groups are as large as the scratch allows.

import CKernels
import Dispatch
import FCNPlan

/// 7x7 weights (C_out, C_in, 7, 7) interleaved for the per-run transform: [C_out/16][C_in][49][16],
/// output channel co in lane co % 16 (C_out rounded up to 16 with zeros). Same size as the weights.
public final class Winograd7x7Weights: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    let lanes: Tensor

    public init(weights: UnsafePointer<Float>, inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        lanes = Tensor(shape: [Int(fcn_winograd7_lane_floats(outChannels, inChannels))])
        fcn_winograd7_interleave(weights, outChannels, inChannels, lanes.pointer)
    }

    /// Bytes the interleaved weights take.
    public var bytes: Int { lanes.count * MemoryLayout<Float>.stride }
}

extension Kernels {
    /// Scratch floats a group of `tiles` tiles takes with `workers` workers (the C layout; the
    /// plan's ScratchRules.winograd7x7Floats uses the same sums).
    public static func winograd7x7ScratchFloats(inChannels: Int, tiles: Int, workers: Int) -> Int {
        Int(fcn_winograd7_inputs_floats(inChannels, tiles)) + workers * Int(fcn_winograd7_block_floats(tiles))
    }

    /// output (batch, C_out, OH, OW) = conv7x7(input, weights, pad) + bias, then ReLU if `relu`.
    /// `scratch` must hold `winograd7x7ScratchFloats(…, tiles: 32, workers: 1)` floats; more
    /// gives larger groups of tiles and more workers.
    public static func winograd7x7Conv2d(
        input: InputWindow, batch: Int, weights w: Winograd7x7Weights, bias: UnsafePointer<Float>?,
        padH: Int, padW: Int, relu: Bool, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, scratchCapacity: Int, threads: Int = Kernels.threads
    ) {
        precondition(input.channels == w.inChannels, "winograd 7x7 input has \(input.channels) channels, expected \(w.inChannels)")
        let oh = input.height + 2 * padH - 6, ow = input.width + 2 * padW - 6
        if oh <= 0 || ow <= 0 || batch <= 0 { return }
        applyBLASThreads(1)
        let grid = ScratchRules.winograd7x7TileGrid(outHeight: oh, outWidth: ow), total = batch * grid.tiles
        let cin = w.inChannels, blocks = (w.outChannels + Int(FCN_WINOGRAD7_BLOCK) - 1) / Int(FCN_WINOGRAD7_BLOCK)
        // Workers and the group size: all tiles if they fit, else the most that do (whole panels).
        var workers = max(1, min(threads, blocks))
        while workers > 1, winograd7x7ScratchFloats(inChannels: cin, tiles: 32, workers: workers) > scratchCapacity { workers -= 1 }
        precondition(winograd7x7ScratchFloats(inChannels: cin, tiles: 32, workers: workers) <= scratchCapacity,
                     "winograd 7x7 scratch too small: \(scratchCapacity) floats")
        let (groups, size) = ScratchRules.winograd7x7Groups(inChannels: cin, tiles: total, capacity: scratchCapacity, workers: workers)
        let inputsFloats = Int(fcn_winograd7_inputs_floats(cin, size)), blockFloats = Int(fcn_winograd7_block_floats(size))
        let geometry = SendableBox(fcn_winograd7_geometry(
            input: input.plane(0, 0), image_stride: input.batchStride, plane_stride: input.planeStride,
            row_stride: input.rowStride, height: input.height, width: input.width, pad_h: padH, pad_w: padW,
            out_height: oh, out_width: ow, tiles_y: grid.y, tiles_x: grid.x))
        let v = SendableBox(scratch), slices = SendableBox(scratch + inputsFloats)
        let lanes = SendableBox(UnsafePointer(w.lanes.pointer)), out = SendableBox(output), biasBox = SendableBox(bias)
        let cout = w.outChannels
        // Input channels, then blocks of output channels, shared out guided (parallelRanges).
        for group in 0..<groups {
            let first = group * size, count = min(size, total - first)
            parallelRanges(cin, workers: workers, minimum: 8) { _, channels in
                var g = geometry.value
                fcn_winograd7_inputs(&g, cin, channels.lowerBound, channels.upperBound, first, count, v.value)
            }
            parallelRanges(blocks, workers: workers) { k, range in
                var g = geometry.value
                for block in range {
                    fcn_winograd7_block(&g, lanes.value, cin, cout, block * Int(FCN_WINOGRAD7_BLOCK), first, count, v.value,
                                        biasBox.value, relu ? 1 : 0, out.value, slices.value + k * blockFloats)
                }
            }
        }
    }
}
