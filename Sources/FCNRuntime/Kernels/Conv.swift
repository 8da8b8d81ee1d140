// Convolution (Caffe semantics): groups, stride, pad, dilation, optional bias and fused ReLU
// (with packed weights, bias and ReLU are applied by the GEMM as it stores each tile of C after
// its last depth block, not in a pass of their own over the output).
// Computed as GEMM (OpenBLAS) per group over a tiled im2col buffer: output rows (and, for huge
// kernels such as fc6, input channels, accumulated with beta = 1) are processed in tiles so the
// caller-provided scratch stays within a byte budget. 1x1 stride-1 pad-0 convs multiply the
// input directly without im2col. Weights are (C_out, C_in/group, kh, kw).
//
// Threads: OpenBLAS always runs single-threaded here and the kernel splits the work itself.
// Letting OpenBLAS thread each tile's GEMM while im2col and bias/ReLU run on Dispatch workers
// cost up to half the 2-thread throughput on a 2-vCPU machine: after every call OpenBLAS's
// workers spin (sched_yield, up to ~0.1 s) and take a CPU from the Dispatch workers that follow.
// With threads > 1 each worker owns a band of output rows and its slice of the scratch, and runs
// im2col, GEMM and bias/ReLU on its own tiles without synchronising. Only when the weights are
// much taller than a worker's tile (fc6) do the workers share one tile: im2col split by
// channels, then the GEMM split by output channels, each worker adding bias/ReLU to its block.

import Dispatch
import FCNPlan

extension Kernels {
    /// Default scratch budget (FCNPlan's ScratchRules, which the plan's memory pass uses too).
    public static let defaultScratchBudgetBytes = ScratchRules.budgetBytes

    /// Output rows and input channels per im2col tile (ScratchRules.convTile).
    static func convTiling(params p: ConvParams, outHeight oh: Int, outWidth ow: Int,
                           capacity: Int?) -> (rows: Int, channels: Int) {
        ScratchRules.convTile(kernel: [p.kernelH, p.kernelW], inChannelsPerGroup: p.inChannels / p.groups,
                              outHeight: oh, outWidth: ow, capacity: capacity)
    }

    /// Scratch floats `conv2d` uses for an input of the given size (ScratchRules.convFloats).
    public static func conv2dScratchCount(params p: ConvParams, inputHeight: Int, inputWidth: Int,
                                          budgetBytes: Int = defaultScratchBudgetBytes) -> Int {
        let (oh, ow) = p.convOutputSize(height: inputHeight, width: inputWidth)
        return ScratchRules.convFloats(p.geometry, inChannelsPerGroup: p.inChannels / p.groups, outHeight: oh, outWidth: ow,
                                       budgetBytes: budgetBytes)
    }

    /// output (batch, C_out, OH, OW) = conv(input window, weights) + bias (+ what `output` holds
    /// if `accumulate`; + `addend`, a window of the output's shape with contiguous rows that the
    /// output must not overlap, added as the last depth block is stored: a fused residual's
    /// shortcut), then ReLU if `relu`.
    /// `scratch` must hold at least one channel of one output row of im2col (kh*kw*OW floats; see
    /// `conv2dScratchCount`); tiles use up to the preferred size. May be nil for pointwise convs.
    public static func conv2d(
        input: InputWindow, batch: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        params p: ConvParams, relu: Bool = false, accumulate: Bool = false, addend: InputWindow? = nil, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>?, scratchCapacity: Int, threads: Int = Kernels.threads
    ) {
        conv2d(input: input, batch: batch, operand: .plain(weights), bias: bias, params: p, relu: relu, accumulate: accumulate,
               addend: addend, output: output, scratch: scratch, scratchCapacity: scratchCapacity, threads: threads)
    }

    /// The same with weights packed once (`PackedConvWeights`; fcngc's GEMM, not OpenBLAS).
    public static func conv2d(
        input: InputWindow, batch: Int, packedWeights: PackedConvWeights, bias: UnsafePointer<Float>?,
        params p: ConvParams, relu: Bool = false, accumulate: Bool = false, addend: InputWindow? = nil, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>?, scratchCapacity: Int, threads: Int = Kernels.threads
    ) {
        precondition(packedWeights.outChannels == p.outChannels && packedWeights.groups == p.groups,
                     "packed weights are for \(packedWeights.outChannels) outputs in \(packedWeights.groups) groups")
        conv2d(input: input, batch: batch, operand: .packed(packedWeights), bias: bias, params: p, relu: relu, accumulate: accumulate,
               addend: addend, output: output, scratch: scratch, scratchCapacity: scratchCapacity, threads: threads)
    }

    static func conv2d(
        input: InputWindow, batch: Int, operand weights: ConvWeights, bias: UnsafePointer<Float>?,
        params p: ConvParams, relu: Bool, accumulate: Bool, addend: InputWindow?, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>?, scratchCapacity: Int, threads: Int
    ) {
        precondition(input.channels == p.inChannels, "conv input has \(input.channels) channels, expected \(p.inChannels)")
        let (oh, ow) = p.convOutputSize(height: input.height, width: input.width)
        precondition(addend.map { $0.planesContiguous && $0.channels == p.outChannels && $0.height == oh && $0.width == ow } ?? true,
                     "a conv's addend is a window of its output's shape whose planes are contiguous")
        // The addend's element (image n, channel c, first pixel) and its row stride in C (a plane).
        let addendBase = addend.map { a in { (n: Int, c: Int) in a.plane(n, c) } }
        let ldAddend = addend?.planeStride ?? 0
        if oh <= 0 || ow <= 0 || batch <= 0 { return }
        applyBLASThreads(1)
        let workers = max(1, threads)
        let cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups
        let kSize = cinG * p.kernelH * p.kernelW
        let ohw = oh * ow

        if p.isPointwise {
            for n in 0..<batch {
                for g in 0..<p.groups {
                    let c = output + (n * p.outChannels + g * coutG) * ohw
                    let b = input.plane(n, g * cinG)
                    let gBias = bias.map { $0 + g * coutG }
                    let gAddend = addendBase?(n, g * coutG)
                    if input.planesContiguous {
                        parallelGemm(weights, group: g, rowsPerGroup: coutG, kSize: kSize, depth: 0..<cinG, n: ohw,
                                     b: b, ldb: input.planeStride, accumulate: accumulate, c: c, ldc: ohw, bias: gBias,
                                     addend: gAddend, ldAddend: ldAddend, relu: relu, threads: workers)
                    } else {
                        let bBox = SendableBox(b), cBox = SendableBox(c)
                        let biasBox = SendableBox(gBias), addendBox = SendableBox(gAddend)
                        parallelChunks(oh, threads: workers) { rows in
                            for y in rows {
                                weights.multiply(group: g, rowsPerGroup: coutG, kSize: kSize, rows: 0..<coutG, depth: 0..<cinG,
                                                 n: ow, b: bBox.value + y * input.rowStride, ldb: input.planeStride,
                                                 accumulate: accumulate, c: cBox.value + y * ow, ldc: ohw,
                                                 bias: biasBox.value, addend: addendBox.value.map { $0 + y * ow }, ldAddend: ldAddend,
                                                 relu: relu)
                            }
                        }
                    }
                }
            }
            return
        }

        let unit = p.kernelH * p.kernelW * ow
        precondition(scratchCapacity >= unit && scratch != nil,
                     "conv2d scratch too small: \(scratchCapacity) floats, need at least \(unit)")
        let col = scratch!
        // Each worker its own bands of rows, unless the weights are much taller than a worker's tile
        // (fc6: 4096 outputs on 128 pixels): each worker would stream all of A (and, with plain
        // weights, repack it), so there the workers share one tile and split the output channels.
        let bandWorkers = min(workers, oh)
        let own = convTiling(params: p, outHeight: (oh + bandWorkers - 1) / bandWorkers, outWidth: ow,
                             capacity: scratchCapacity / bandWorkers)
        if bandWorkers > 1 && own.rows >= 1 && coutG <= 4 * own.rows * ow {
            let colBox = SendableBox(col), outBox = SendableBox(output)
            let slice = scratchCapacity / bandWorkers
            for n in 0..<batch {
                for g in 0..<p.groups {
                    let biasBox = SendableBox(bias.map { $0 + g * coutG }), addendBox = SendableBox(addendBase?(n, g * coutG))
                    // Bands of rows shared out guided (parallelRanges), each at most one tile.
                    parallelRanges(oh, workers: bandWorkers, minimum: max(1, own.rows / 4), maximum: own.rows) { w, band in
                        let myCol = colBox.value + w * slice
                        let c0 = outBox.value + (n * p.outChannels + g * coutG) * ohw
                        var r0 = band.lowerBound
                        let r1 = band.upperBound
                        while r0 < r1 {
                            let tr = min(own.rows, r1 - r0)
                            let c = c0 + r0 * ow
                            var ch = 0
                            while ch < cinG {
                                let tc = min(own.channels, cinG - ch)
                                im2col(input, n: n, c0: g * cinG + ch, channels: tc, params: p, rowStart: r0,
                                       rows: tr, outWidth: ow, col: myCol, threads: 1)
                                let k0 = ch * p.kernelH * p.kernelW
                                let last = ch + tc == cinG
                                weights.multiply(group: g, rowsPerGroup: coutG, kSize: kSize, rows: 0..<coutG,
                                                 depth: k0..<(k0 + tc * p.kernelH * p.kernelW), n: tr * ow, b: myCol, ldb: tr * ow,
                                                 accumulate: accumulate || ch != 0, c: c, ldc: ohw,
                                                 bias: last ? biasBox.value : nil,
                                                 addend: last ? addendBox.value.map { $0 + r0 * ow } : nil, ldAddend: ldAddend,
                                                 relu: last && relu)
                                ch += tc
                            }
                            r0 += tr
                        }
                    }
                }
            }
            return
        }

        let tile = convTiling(params: p, outHeight: oh, outWidth: ow, capacity: scratchCapacity)
        precondition(tile.rows >= 1, "conv2d scratch too small: \(scratchCapacity) floats, need at least \(unit)")
        for n in 0..<batch {
            for g in 0..<p.groups {
                let c0 = output + (n * p.outChannels + g * coutG) * ohw
                let gBias = bias.map { $0 + g * coutG }
                let gAddend = addendBase?(n, g * coutG)
                var r0 = 0
                while r0 < oh {
                    let tr = min(tile.rows, oh - r0)
                    let c = c0 + r0 * ow
                    var ch = 0
                    while ch < cinG {
                        let tc = min(tile.channels, cinG - ch)
                        im2col(input, n: n, c0: g * cinG + ch, channels: tc, params: p, rowStart: r0,
                               rows: tr, outWidth: ow, col: col, threads: workers)
                        let last = ch + tc == cinG
                        let k0 = ch * p.kernelH * p.kernelW
                        parallelGemm(weights, group: g, rowsPerGroup: coutG, kSize: kSize,
                                     depth: k0..<(k0 + tc * p.kernelH * p.kernelW), n: tr * ow, b: col, ldb: tr * ow,
                                     accumulate: accumulate || ch != 0, c: c, ldc: ohw,
                                     bias: last ? gBias : nil, addend: last ? gAddend.map { $0 + r0 * ow } : nil,
                                     ldAddend: ldAddend, relu: last && relu, threads: workers)
                        ch += tc
                    }
                    r0 += tr
                }
            }
        }
    }

    /// C (m x n, row-major) = W_group[0..<m][depth] * B (+ C if `accumulate`), then bias/ReLU
    /// per row of C (in the GEMM's store for packed weights). With several threads, the rows (when
    /// m >= n) or columns are shared out in blocks (guided, parallelRanges: large ones first, down
    /// to 4 units of columns or a quarter of a worker's rows), each block running the
    /// single-threaded GEMM. Blocks are
    /// multiples of 16 (of the packed operand's row unit for rows) so each keeps whole GEMM micro-tiles.
    static func parallelGemm(_ a: ConvWeights, group: Int, rowsPerGroup m: Int, kSize: Int, depth: Range<Int>, n: Int,
                             b: UnsafePointer<Float>, ldb: Int, accumulate: Bool,
                             c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                             addend: UnsafePointer<Float>? = nil, ldAddend: Int = 0, relu: Bool, threads: Int) {
        let splitRows = m >= n
        let unit = splitRows ? a.rowAlignment : 16
        let len = splitRows ? m : n, units = (len + unit - 1) / unit
        let bBox = SendableBox(b), cBox = SendableBox(c), biasBox = SendableBox(bias), addendBox = SendableBox(addend)
        let body: (Range<Int>) -> Void = { block in
            let lo = block.lowerBound * unit, hi = min(len, block.upperBound * unit)
            if hi <= lo { return }
            let rows = splitRows ? lo..<hi : 0..<m, cols = splitRows ? 0..<n : lo..<hi
            let cBlock = cBox.value + rows.lowerBound * ldc + cols.lowerBound
            a.multiply(group: group, rowsPerGroup: m, kSize: kSize, rows: rows, depth: depth, n: cols.count,
                       b: bBox.value + cols.lowerBound, ldb: ldb, accumulate: accumulate, c: cBlock, ldc: ldc,
                       bias: biasBox.value.map { $0 + rows.lowerBound },
                       addend: addendBox.value.map { $0 + rows.lowerBound * ldAddend + cols.lowerBound }, ldAddend: ldAddend,
                       relu: relu)
        }
        if threads == 1 || units < 2 {
            body(0..<units)
        } else {
            // A block of rows packs all of B again (a block of columns packs only its own), so row
            // blocks stay at a quarter of each worker's share (fc7: 17 blocks, a tenth more CPU time).
            let minimum = splitRows ? max(1, units / (4 * threads)) : max(1, min(4, units / threads))
            parallelRanges(units, workers: threads, minimum: minimum) { _, block in body(block) }
        }
    }

    /// Fills col (channels*kh*kw rows of rows*outWidth) for output rows [rowStart, rowStart+rows).
    static func im2col(_ input: InputWindow, n: Int, c0: Int, channels: Int, params p: ConvParams,
                       rowStart: Int, rows: Int, outWidth ow: Int,
                       col: UnsafeMutablePointer<Float>, threads: Int) {
        let h = input.height, w = input.width, rs = input.rowStride
        let n2 = rows * ow
        let colBox = SendableBox(col)
        parallelFor(channels, threads: threads) { ci in
            let src = input.plane(n, c0 + ci)
            for ky in 0..<p.kernelH {
                for kx in 0..<p.kernelW {
                    var dst = colBox.value + ((ci * p.kernelH + ky) * p.kernelW + kx) * n2
                    let offX = kx * p.dilationW - p.padW
                    // Output columns whose input column lies inside the window.
                    let oxLo = min(ow, max(0, ceilDiv(-offX, p.strideW)))
                    let oxHi = max(oxLo, min(ow, floorDiv(w - 1 - offX, p.strideW) + 1))
                    for oy in rowStart..<(rowStart + rows) {
                        let iy = oy * p.strideH - p.padH + ky * p.dilationH
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: ow)
                        } else {
                            if oxLo > 0 { dst.update(repeating: 0, count: oxLo) }
                            let row = src + iy * rs + offX
                            if p.strideW == 1 {
                                (dst + oxLo).update(from: row + oxLo, count: oxHi - oxLo)
                            } else {
                                var ox = oxLo
                                while ox < oxHi { dst[ox] = row[ox * p.strideW]; ox += 1 }
                            }
                            if oxHi < ow { (dst + oxHi).update(repeating: 0, count: ow - oxHi) }
                        }
                        dst += ow
                    }
                }
            }
        }
    }

    /// Adds a per-plane bias (and `addend`, planes `addendStride` apart) and applies ReLU to
    /// `length` floats of each of `planes` planes.
    static func biasRelu(_ data: UnsafeMutablePointer<Float>, planes: Int, planeStride: Int,
                         length: Int, bias: UnsafePointer<Float>?, addend: UnsafePointer<Float>? = nil, addendStride: Int = 0,
                         relu: Bool, threads: Int) {
        if bias == nil && addend == nil && !relu { return }
        let box = SendableBox(data)
        let biasBox = SendableBox(bias), addendBox = SendableBox(addend)
        parallelFor(planes, threads: threads) { c in
            let p = box.value + c * planeStride
            let b = biasBox.value?[c] ?? 0
            if let d = addendBox.value.map({ $0 + c * addendStride }) {
                for i in 0..<length { p[i] += b + d[i] }
                if relu { for i in 0..<length { p[i] = max(p[i], 0) } }
                return
            }
            if relu {
                for i in 0..<length { p[i] = max(p[i] + b, 0) }
            } else {
                for i in 0..<length { p[i] += b }
            }
        }
    }
}
