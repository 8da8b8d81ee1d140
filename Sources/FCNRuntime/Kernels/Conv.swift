// Convolution (Caffe semantics): groups, stride, pad, dilation, optional bias and fused ReLU.
// Computed as GEMM (OpenBLAS) per group over a tiled im2col buffer: output rows are processed in
// tiles so the caller-provided scratch stays within a byte budget. 1x1 stride-1 pad-0 convs
// multiply the input directly without im2col. Weights are (C_out, C_in/group, kh, kw).

/// Geometry of a convolution or deconvolution. For a deconvolution `inChannels` is the weight's
/// first dimension (its input) and `outChannels` its output channel count.
public struct ConvParams: Hashable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    public var dilationH: Int, dilationW: Int
    public var groups: Int

    public init(inChannels: Int, outChannels: Int, kernelH: Int, kernelW: Int,
                strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        precondition(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1, "bad kernel/stride")
        precondition(padH >= 0 && padW >= 0 && dilationH >= 1 && dilationW >= 1, "bad pad/dilation")
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "channels not divisible by groups")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.groups = groups
    }

    /// Square kernel, equal stride/pad/dilation on both axes.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, pad: Int = 0,
                dilation: Int = 1, groups: Int = 1) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelH: kernel, kernelW: kernel,
                  strideH: stride, strideW: stride, padH: pad, padW: pad,
                  dilationH: dilation, dilationW: dilation, groups: groups)
    }

    public var extentH: Int { dilationH * (kernelH - 1) + 1 }
    public var extentW: Int { dilationW * (kernelW - 1) + 1 }

    /// Convolution output: floor((in + 2p - k_ext) / s) + 1 (may be <= 0 if the input is too small).
    public func convOutputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (floorDiv(height + 2 * padH - extentH, strideH) + 1,
         floorDiv(width + 2 * padW - extentW, strideW) + 1)
    }

    /// Deconvolution output: s * (in - 1) + k_ext - 2p.
    public func deconvOutputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (strideH * (height - 1) + extentH - 2 * padH, strideW * (width - 1) + extentW - 2 * padW)
    }

    /// Number of weights: C_out * C_in/group * kh * kw (same count for conv and deconv layouts).
    public var weightCount: Int { outChannels * (inChannels / groups) * kernelH * kernelW }

    /// True when the conv is a plain matrix product over channels (1x1, stride 1, pad 0).
    public var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
}

extension Kernels {
    /// Default im2col budget: 8 MB.
    public static let defaultScratchBudgetBytes = 8 << 20

    /// im2col tiles aim at about this many bytes (so the tile is still in cache when GEMM packs
    /// it) but at least `convTileMinPixels` output pixels (so GEMM amortises packing the weights).
    public static let convTileTargetBytes = 1 << 20
    public static let convTileMinPixels = 256

    /// Output rows per im2col tile the conv prefers, before any scratch limit.
    static func convPreferredTileRows(rowFloats: Int, outHeight oh: Int, outWidth ow: Int) -> Int {
        let byCache = convTileTargetBytes / MemoryLayout<Float>.stride / rowFloats
        let byPixels = (convTileMinPixels + ow - 1) / ow
        return min(oh, max(1, byCache, byPixels))
    }

    /// Scratch floats `conv2d` uses for an input of the given size: its preferred tile, capped at
    /// `budgetBytes` (but at least one output row). 0 for pointwise convs.
    public static func conv2dScratchCount(params: ConvParams, inputHeight: Int, inputWidth: Int,
                                          budgetBytes: Int = defaultScratchBudgetBytes) -> Int {
        if params.isPointwise { return 0 }
        let (oh, ow) = params.convOutputSize(height: inputHeight, width: inputWidth)
        if oh <= 0 || ow <= 0 { return 0 }
        let rowFloats = (params.inChannels / params.groups) * params.kernelH * params.kernelW * ow
        let budgetRows = max(1, budgetBytes / MemoryLayout<Float>.stride / rowFloats)
        return min(budgetRows, convPreferredTileRows(rowFloats: rowFloats, outHeight: oh, outWidth: ow)) * rowFloats
    }

    /// output (batch, C_out, OH, OW) = conv(input window, weights) + bias, then ReLU if `relu`.
    /// `scratch` must hold at least one output row of im2col (see `conv2dScratchCount`); tiles
    /// use up to the preferred size. It may be nil for pointwise convs.
    public static func conv2d(
        input: InputWindow, batch: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        params p: ConvParams, relu: Bool = false, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>?, scratchCapacity: Int, threads: Int = Kernels.threads
    ) {
        precondition(input.channels == p.inChannels, "conv input has \(input.channels) channels, expected \(p.inChannels)")
        let (oh, ow) = p.convOutputSize(height: input.height, width: input.width)
        if oh <= 0 || ow <= 0 || batch <= 0 { return }
        applyBLASThreads(threads)
        let cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups
        let kSize = cinG * p.kernelH * p.kernelW
        let ohw = oh * ow

        if p.isPointwise {
            for n in 0..<batch {
                for g in 0..<p.groups {
                    let a = weights + g * coutG * kSize
                    let c = output + (n * p.outChannels + g * coutG) * ohw
                    let b = input.plane(n, g * cinG)
                    if input.planesContiguous {
                        sgemm(transA: false, transB: false, m: coutG, n: ohw, k: cinG, a: a, lda: kSize,
                              b: b, ldb: input.planeStride, beta: 0, c: c, ldc: ohw)
                    } else {
                        for y in 0..<oh {
                            sgemm(transA: false, transB: false, m: coutG, n: ow, k: cinG, a: a, lda: kSize,
                                  b: b + y * input.rowStride, ldb: input.planeStride, beta: 0,
                                  c: c + y * ow, ldc: ohw)
                        }
                    }
                    biasRelu(c, planes: coutG, planeStride: ohw, length: ohw,
                             bias: bias.map { $0 + g * coutG }, relu: relu, threads: threads)
                }
            }
            return
        }

        let rowFloats = kSize * ow
        let tileRows = min(scratchCapacity / rowFloats,
                           convPreferredTileRows(rowFloats: rowFloats, outHeight: oh, outWidth: ow))
        precondition(tileRows >= 1 && scratch != nil,
                     "conv2d scratch too small: \(scratchCapacity) floats, need at least \(rowFloats)")
        let col = scratch!
        for n in 0..<batch {
            for g in 0..<p.groups {
                var r0 = 0
                while r0 < oh {
                    let tr = min(tileRows, oh - r0)
                    im2col(input, n: n, c0: g * cinG, channels: cinG, params: p, rowStart: r0,
                           rows: tr, outWidth: ow, col: col, threads: threads)
                    let c = output + (n * p.outChannels + g * coutG) * ohw + r0 * ow
                    sgemm(transA: false, transB: false, m: coutG, n: tr * ow, k: kSize,
                          a: weights + g * coutG * kSize, lda: kSize, b: col, ldb: tr * ow,
                          beta: 0, c: c, ldc: ohw)
                    biasRelu(c, planes: coutG, planeStride: ohw, length: tr * ow,
                             bias: bias.map { $0 + g * coutG }, relu: relu, threads: threads)
                    r0 += tr
                }
            }
        }
    }

    /// Fills col (cinG*kh*kw rows of rows*outWidth) for output rows [rowStart, rowStart+rows).
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

    /// Adds a per-plane bias and applies ReLU to `length` floats of each of `planes` planes.
    static func biasRelu(_ data: UnsafeMutablePointer<Float>, planes: Int, planeStride: Int,
                         length: Int, bias: UnsafePointer<Float>?, relu: Bool, threads: Int) {
        if bias == nil && !relu { return }
        let box = SendableBox(data)
        let biasBox = SendableBox(bias)
        parallelFor(planes, threads: threads) { c in
            let p = box.value + c * planeStride
            let b = biasBox.value?[c] ?? 0
            if relu {
                for i in 0..<length { p[i] = max(p[i] + b, 0) }
            } else {
                for i in 0..<length { p[i] += b }
            }
        }
    }
}
