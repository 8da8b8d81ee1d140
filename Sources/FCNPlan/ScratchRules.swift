// How much scratch a step's kernel uses, decided once: the memory pass sizes the plan's
// scratch area with these rules and the kernels tile with the same rules, so the budget is
// never computed twice.
//
// conv (im2col): a tile is `rows` output rows x `channels` input channels of kh*kw*OW floats.
//   It aims at about `tileTargetBytes` (still in cache when GEMM packs it) but at least
//   `tileMinPixels` output pixels (so GEMM amortises packing the weights), capped by the
//   budget; a pointwise conv needs none.
// deconv (col2im): `rows` input rows of (C_out/g)*kh*kw*W_in floats, capped by the budget.
// Winograd F(m,3) conv: per worker, chunks of tiles of about alpha²·(C_in + C_out) floats each
//   plus row buffers (`winogradChunkFloats`, the C kernel's layout); room for all tiles plus a
//   second worker's smallest chunk, capped at `winogradBudgetBytes` but at least the smallest
//   chunk (32 tiles) for each of two workers. The kernel splits what it gets between its
//   workers and sizes its chunks to fit; when its workers share each chunk (U over 16 MiB),
//   the chunk's V and M appear once and only the row buffers per worker
//   (`winogradChunkFloats(parts:)`), which fits in the same scratch.
// Winograd F(2,7) conv (fc6): the transformed inputs of a group of tiles (64·C_in per tile,
//   shared) plus, per worker, the transformed weights of one block of 32 output channels by
//   64 input channels (64·36·64) and the block's products (64·32 per tile)
//   (`winograd7x7GroupFloats`, the C kernel's layout): all tiles for two workers, capped at
//   `winogradBudgetBytes` but at least groups of 32 tiles for two.
// A conv with a fused 2x2 max pooling: on Winograd F(m,3), its rule above (the output transform
//   pools each tile); on GEMM, its rule plus one image of the conv's own output
//   (`pooledConvFloats`), which is pooled from there.

public enum ScratchRules {
    /// Default scratch budget per step: 8 MiB (a whole im2col of conv1_2 at 500x500 is 1.1 GB).
    public static let budgetBytes = 8 << 20
    public static let tileTargetBytes = 1 << 20
    public static let tileMinPixels = 256

    /// Output rows and input channels per im2col tile for a scratch of `capacity` floats (nil: no
    /// limit); (0, 0) when not even one channel of one row fits.
    public static func convTile(kernel: [Int], inChannelsPerGroup cinG: Int, outHeight oh: Int, outWidth ow: Int,
                                capacity: Int?) -> (rows: Int, channels: Int) {
        let unit = kernel[0] * kernel[1] * ow
        let byCache = tileTargetBytes / 4 / max(1, cinG * unit)
        let byPixels = (tileMinPixels + ow - 1) / max(ow, 1)
        let preferred = min(oh, max(1, byCache, byPixels))
        guard let capacity else { return (preferred, cinG) }
        let units = capacity / max(unit, 1)
        if units < 1 { return (0, 0) }
        // Keep the preferred rows unless that leaves fewer than 32 channels per tile.
        let rows = max(1, min(preferred, units / min(cinG, 32)))
        return (rows, min(cinG, units / rows))
    }

    /// Scratch floats a conv uses: its preferred tile capped at the budget (at least one channel
    /// of one output row); 0 for a pointwise conv.
    public static func convFloats(_ g: Geometry, inChannelsPerGroup cinG: Int, outHeight oh: Int, outWidth ow: Int,
                                  budgetBytes: Int = budgetBytes) -> Int {
        if g.isPointwise || oh <= 0 || ow <= 0 { return 0 }
        let unit = g.kernel[0] * g.kernel[1] * ow
        let t = convTile(kernel: g.kernel, inChannelsPerGroup: cinG, outHeight: oh, outWidth: ow,
                         capacity: max(unit, budgetBytes / 4))
        return t.rows * t.channels * unit
    }

    /// Input rows and columns [lo, hi) of a deconvolution that reach the output window
    /// (y0, x0, height, width) of its full output.
    public static func deconvInputRange(_ g: Geometry, inputHeight: Int, inputWidth: Int,
                                        window: Window) -> (rows: Range<Int>, cols: Range<Int>) {
        func range(_ lo: Int, _ len: Int, _ s: Int, _ pad: Int, _ ext: Int, _ size: Int) -> Range<Int> {
            let a = max(0, ceilDiv(lo + pad - ext + 1, s))
            let b = min(size, floorDiv(lo + len - 1 + pad, s) + 1)
            return len <= 0 || a >= b ? 0..<0 : a..<b
        }
        return (range(window.y, window.h, g.stride[0], g.pad[0], g.extent(0), inputHeight),
                range(window.x, window.w, g.stride[1], g.pad[1], g.extent(1), inputWidth))
    }

    /// Scratch floats a (learned) deconvolution uses for the given output window.
    public static func deconvFloats(_ g: Geometry, outChannelsPerGroup coutG: Int, inputHeight: Int, inputWidth: Int,
                                    window: Window, budgetBytes: Int = budgetBytes) -> Int {
        let r = deconvInputRange(g, inputHeight: inputHeight, inputWidth: inputWidth, window: window)
        if r.rows.isEmpty || r.cols.isEmpty { return 0 }
        let rowFloats = coutG * g.kernel[0] * g.kernel[1] * r.cols.count
        let rows = max(1, min(r.rows.count, budgetBytes / 4 / rowFloats))
        return rows * rowFloats
    }

    public static let winogradBudgetBytes = 24 << 20

    /// The tiles of a Winograd F(m,3) conv, the kernel's numbering (Sources/CKernels/winograd.c,
    /// fcn_winograd_image_tiles, which FCNRuntime's tests check this against): sub-grid row ry of
    /// every d-th output row has ceil((OH - ry) / d_h) rows, ceil(that / m) tile rows; `y` is the
    /// sum over the d_h sub-grid rows, `x` likewise over the columns, and `tiles` = y·x per image
    /// (sub-grid (ry, rx) has its own rows x columns of tiles). Undilated: ceil(OH/m) x ceil(OW/m).
    public static func winogradTileGrid(m: Int, outHeight oh: Int, outWidth ow: Int, dilation: [Int] = [1, 1])
        -> (y: Int, x: Int, tiles: Int) {
        func tiles(_ size: Int, _ d: Int) -> Int {
            let size = max(0, size), short = size / d, tall = size % d   // `tall` sub-grids have one more row
            return tall * ((short + m) / m) + (d - tall) * ((short + m - 1) / m)
        }
        let y = tiles(oh, max(1, dilation[0])), x = tiles(ow, max(1, dilation[1]))
        return (y, x, y * x)
    }

    /// Scratch floats a Winograd F(m,3) conv uses (see above).
    public static func winogradFloats(m: Int, inChannels cin: Int, outChannels cout: Int, outHeight oh: Int, outWidth ow: Int,
                                      dilation: [Int] = [1, 1]) -> Int {
        let tiles = winogradTileGrid(m: m, outHeight: oh, outWidth: ow, dilation: dilation).tiles
        let all = winogradChunkFloats(m: m, inChannels: cin, outChannels: cout, tiles: tiles)
            + winogradChunkFloats(m: m, inChannels: cin, outChannels: cout, tiles: 1)
        let one = winogradChunkFloats(m: m, inChannels: cin, outChannels: cout, tiles: 1)
        return max(min(all, winogradCapBytes(m: m, inChannels: cin, outChannels: cout) / 4), 2 * one)
    }

    /// The cap of a Winograd conv's scratch: `winogradBudgetBytes`, or half its transformed
    /// weights U where that is more. Every chunk streams all of U through its GEMMs, so a conv
    /// whose U dwarfs its tiles (FCN-ResNet50's classifier: 3x3 2048 -> 512, U 151 MB, 289 tiles
    /// at 520x520) needs large chunks not to wait on memory; such a conv's U is already held,
    /// and its scratch stays below it.
    public static func winogradCapBytes(m: Int, inChannels cin: Int, outChannels cout: Int) -> Int {
        max(winogradBudgetBytes, (m + 2) * (m + 2) * cin * cout * 4 / 2)
    }

    /// Floats one worker's chunk of `tiles` tiles takes: the layout of Sources/CKernels/winograd.c
    /// (fcn_winograd_split_scratch_floats, which FCNRuntime's tests check this against): tiles
    /// rounded up to 32; transformed inputs alpha²·C_in and products alpha²·C_out per tile, then
    /// for each of the `parts` workers sharing the chunk phase rows alpha² + m² per tile, rows
    /// padded by 16, and a row buffer; 16 floats of alignment slack.
    public static func winogradChunkFloats(m: Int, inChannels cin: Int, outChannels cout: Int, tiles: Int,
                                           parts: Int = 1) -> Int {
        let positions = (m + 2) * (m + 2)
        let tp = (max(tiles, 1) + 31) / 32 * 32, row = tp + 16
        let own = positions * row + m * m * row + (tp * m + 64 + 15) / 16 * 16
        return positions * tp * cin + positions * cout * row + max(parts, 1) * own + 16
    }

    /// Floats a Winograd F(2,7) conv's group of `tiles` tiles takes with `workers` workers: the
    /// layout of Sources/CKernels/winograd7.c (fcn_winograd7_inputs_floats + workers ·
    /// fcn_winograd7_block_floats, which FCNRuntime's tests check this against): tiles rounded up
    /// to 32; 64·C_in floats per tile of inputs; per worker 64 packed matrices of 36·64 floats
    /// (32 rows, rounded up for 6-row panels, by 64 input channels) and 64 x 32 rows of products
    /// of tiles + 16 floats; 16 floats of alignment slack for each part.
    public static func winograd7x7GroupFloats(inChannels cin: Int, tiles: Int, workers: Int) -> Int {
        let tp = (max(tiles, 1) + 31) / 32 * 32
        let block = 64 * 36 * 64 + 64 * 32 * (tp + 16) + 16
        return 64 * tp * cin + 16 + workers * block
    }

    /// Groups of tiles a Winograd F(2,7) conv runs `tiles` tiles in, within `capacity` floats for
    /// `workers` workers: one group if all fit, else groups of the most that fit in whole 32s (at
    /// least 32), evened out. Every group transforms all the weights again.
    public static func winograd7x7Groups(inChannels cin: Int, tiles: Int, capacity: Int, workers: Int) -> (count: Int, size: Int) {
        var fit = 32
        while fit < tiles, winograd7x7GroupFloats(inChannels: cin, tiles: fit + 32, workers: workers) <= capacity { fit += 32 }
        let count = max(1, (tiles + fit - 1) / fit)
        return (count, (tiles + count - 1) / count)
    }

    /// The 2x2 tiles of a Winograd F(2,7) conv: `y` x `x` per image, `tiles` in all.
    public static func winograd7x7TileGrid(outHeight oh: Int, outWidth ow: Int) -> (y: Int, x: Int, tiles: Int) {
        let y = (oh + 1) / 2, x = (ow + 1) / 2
        return (y, x, y * x)
    }

    /// Scratch floats a Winograd F(2,7) conv uses (see above).
    public static func winograd7x7Floats(inChannels cin: Int, outHeight oh: Int, outWidth ow: Int) -> Int {
        let tiles = winograd7x7TileGrid(outHeight: oh, outWidth: ow).tiles
        let all = winograd7x7GroupFloats(inChannels: cin, tiles: tiles, workers: 2)
        return max(min(all, winogradBudgetBytes / 4), winograd7x7GroupFloats(inChannels: cin, tiles: 32, workers: 2))
    }

    /// Floats one image of a GEMM conv's own output takes when a fused pooling reads it from scratch.
    public static func pooledConvFloats(_ convOutput: [Int]) -> Int { convOutput.reduce(1, *) }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }
}
