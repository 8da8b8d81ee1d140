// Transposed convolution (Caffe Deconvolution): out = s*(in-1) + k_ext - 2p, weights
// (C_in, C_out/group, kh, kw), groups, optional bias. Per group, col = W^T * X by OpenBLAS, then
// col2im scatters col into the output. Only an output window is computed (so a following crop
// folds in): input rows/cols that cannot reach the window are skipped, and col2im only writes
// inside it. Input rows are tiled so the col scratch stays within a budget.

import FCNPlan

extension Kernels {
    /// Input rows and cols [lo, hi) that contribute to the output window (ScratchRules).
    static func deconvInputRange(params p: ConvParams, inputHeight: Int, inputWidth: Int,
                                 window: OutputWindow) -> (rows: Range<Int>, cols: Range<Int>) {
        ScratchRules.deconvInputRange(p.geometry, inputHeight: inputHeight, inputWidth: inputWidth, window: window.planWindow)
    }

    /// Scratch floats `deconv2d` uses (ScratchRules.deconvFloats, which the plan's memory pass uses too).
    public static func deconv2dScratchCount(params p: ConvParams, inputHeight: Int, inputWidth: Int,
                                            outputWindow: OutputWindow? = nil,
                                            budgetBytes: Int = defaultScratchBudgetBytes) -> Int {
        let full = p.deconvOutputSize(height: inputHeight, width: inputWidth)
        let win = outputWindow ?? .full(height: full.height, width: full.width)
        return ScratchRules.deconvFloats(p.geometry, outChannelsPerGroup: p.outChannels / p.groups, inputHeight: inputHeight,
                                         inputWidth: inputWidth, window: win.planWindow, budgetBytes: budgetBytes)
    }

    /// output (batch, C_out, win.height, win.width) = window `outputWindow` (default: all) of
    /// deconv(input window, weights) + bias. `scratch` must hold at least one input row of col.
    public static func deconv2d(
        input: InputWindow, batch: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        params p: ConvParams, outputWindow: OutputWindow? = nil, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>?, scratchCapacity: Int, threads: Int = Kernels.threads
    ) {
        precondition(input.channels == p.inChannels, "deconv input has \(input.channels) channels, expected \(p.inChannels)")
        let full = p.deconvOutputSize(height: input.height, width: input.width)
        let win = outputWindow ?? .full(height: full.height, width: full.width)
        precondition(win.y0 >= 0 && win.x0 >= 0 && win.height >= 0 && win.width >= 0
                     && win.y0 + win.height <= full.height && win.x0 + win.width <= full.width,
                     "deconv output window \(win) outside output \(full)")
        let oh = win.height, ow = win.width, ohw = oh * ow
        if batch <= 0 || ohw == 0 { return }
        // Start from the bias (or zero).
        let outBox = SendableBox(output)
        parallelFor(batch * p.outChannels, threads: threads) { i in
            (outBox.value + i * ohw).update(repeating: bias?[i % p.outChannels] ?? 0, count: ohw)
        }
        let r = deconvInputRange(params: p, inputHeight: input.height, inputWidth: input.width, window: win)
        if r.rows.isEmpty || r.cols.isEmpty { return }
        applyBLASThreads(threads)
        let sub = input.subWindow(y0: r.rows.lowerBound, x0: r.cols.lowerBound,
                                  height: r.rows.count, width: r.cols.count)
        let cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups
        let colRows = coutG * p.kernelH * p.kernelW
        let subW = sub.width
        let tileRows = min(sub.height, scratchCapacity / (colRows * subW))
        precondition(tileRows >= 1 && scratch != nil,
                     "deconv2d scratch too small: \(scratchCapacity) floats, need at least \(colRows * subW)")
        let col = scratch!
        for n in 0..<batch {
            for g in 0..<p.groups {
                let a = weights + g * cinG * colRows
                let x = sub.plane(n, g * cinG)
                var r0 = 0
                while r0 < sub.height {
                    let tr = min(tileRows, sub.height - r0)
                    let ldc = tr * subW
                    if sub.planesContiguous {
                        sgemm(transA: true, transB: false, m: colRows, n: tr * subW, k: cinG,
                              a: a, lda: colRows, b: x + r0 * sub.rowStride, ldb: sub.planeStride,
                              beta: 0, c: col, ldc: ldc)
                    } else {
                        for t in 0..<tr {
                            sgemm(transA: true, transB: false, m: colRows, n: subW, k: cinG,
                                  a: a, lda: colRows, b: x + (r0 + t) * sub.rowStride,
                                  ldb: sub.planeStride, beta: 0, c: col + t * subW, ldc: ldc)
                        }
                    }
                    col2imWindow(col: col, tileRows: tr, firstRow: r.rows.lowerBound + r0,
                                 firstCol: r.cols.lowerBound, cols: subW, params: p, window: win,
                                 output: output + (n * p.outChannels + g * coutG) * ohw,
                                 channels: coutG, threads: threads)
                    r0 += tr
                }
            }
        }
    }

    /// Adds col (channels*kh*kw rows of tileRows*cols; input rows from firstRow, cols from
    /// firstCol, in input coordinates) into the output window planes.
    static func col2imWindow(col: UnsafeMutablePointer<Float>, tileRows: Int, firstRow: Int,
                             firstCol: Int, cols: Int, params p: ConvParams, window win: OutputWindow,
                             output: UnsafeMutablePointer<Float>, channels: Int, threads: Int) {
        let oh = win.height, ow = win.width
        let n2 = tileRows * cols
        let box = SendableBox((col, output))
        parallelFor(channels, threads: threads) { co in
            let (col, output) = box.value
            let plane = output + co * oh * ow
            for ky in 0..<p.kernelH {
                for kx in 0..<p.kernelW {
                    let src0 = col + ((co * p.kernelH + ky) * p.kernelW + kx) * n2
                    let offX = kx * p.dilationW - p.padW - win.x0
                    // Input columns (absolute) landing inside the window: 0 <= ix*s + offX < ow.
                    let ixLo = max(firstCol, ceilDiv(-offX, p.strideW))
                    let ixHi = min(firstCol + cols, floorDiv(ow - 1 - offX, p.strideW) + 1)
                    if ixLo >= ixHi { continue }
                    for t in 0..<tileRows {
                        let oy = (firstRow + t) * p.strideH - p.padH + ky * p.dilationH - win.y0
                        if oy < 0 || oy >= oh { continue }
                        let src = src0 + t * cols - firstCol
                        let dst = plane + oy * ow + offX
                        if p.strideW == 1 {
                            for ix in ixLo..<ixHi { dst[ix] += src[ix] }
                        } else {
                            for ix in ixLo..<ixHi { dst[ix * p.strideW] += src[ix] }
                        }
                    }
                }
            }
        }
    }
}
