// Naive reference convolution, deconvolution, separable upsampling and bilinear weights:
// direct loops written from the definitions (Caffe semantics), for checking fast kernels.

import FCNRuntime

public enum Naive {
    /// Caffe convolution. Weights (C_out, C_in/group, kh, kw); out = floor((in+2p-k_ext)/s)+1.
    public static func conv2d(_ x: NaiveTensor, weights: [Float], bias: [Float]?, params p: ConvParams,
                              relu: Bool = false) -> NaiveTensor {
        let cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups
        let extH = p.dilationH * (p.kernelH - 1) + 1, extW = p.dilationW * (p.kernelW - 1) + 1
        let oh = Int((Double(x.h + 2 * p.padH - extH) / Double(p.strideH)).rounded(.down)) + 1
        let ow = Int((Double(x.w + 2 * p.padW - extW) / Double(p.strideW)).rounded(.down)) + 1
        var out = NaiveTensor(shape: [x.n, p.outChannels, max(oh, 0), max(ow, 0)])
        for n in 0..<x.n { for co in 0..<p.outChannels { for oy in 0..<max(oh, 0) { for ox in 0..<max(ow, 0) {
            let g = co / coutG
            var s: Float = bias?[co] ?? 0
            for ci in 0..<cinG { for ky in 0..<p.kernelH { for kx in 0..<p.kernelW {
                let iy = oy * p.strideH - p.padH + ky * p.dilationH
                let ix = ox * p.strideW - p.padW + kx * p.dilationW
                if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w { continue }
                s += x[n, g * cinG + ci, iy, ix] * weights[((co * cinG + ci) * p.kernelH + ky) * p.kernelW + kx]
            }}}
            out[n, co, oy, ox] = relu ? max(s, 0) : s
        }}}}
        return out
    }

    /// Caffe deconvolution (full output). Weights (C_in, C_out/group, kh, kw); each input pixel
    /// scatters its weighted kernel to out[iy*s - p + ky*d][ix*s - p + kx*d].
    public static func deconv2d(_ x: NaiveTensor, weights: [Float], bias: [Float]?,
                                params p: ConvParams) -> NaiveTensor {
        let cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups
        let oh = p.strideH * (x.h - 1) + p.dilationH * (p.kernelH - 1) + 1 - 2 * p.padH
        let ow = p.strideW * (x.w - 1) + p.dilationW * (p.kernelW - 1) + 1 - 2 * p.padW
        var out = NaiveTensor(shape: [x.n, p.outChannels, oh, ow])
        for n in 0..<x.n { for co in 0..<p.outChannels { for y in 0..<oh { for xx in 0..<ow {
            out[n, co, y, xx] = bias?[co] ?? 0
        }}}}
        for n in 0..<x.n { for ci in 0..<p.inChannels { for iy in 0..<x.h { for ix in 0..<x.w {
            let g = ci / cinG
            for col in 0..<coutG { for ky in 0..<p.kernelH { for kx in 0..<p.kernelW {
                let oy = iy * p.strideH - p.padH + ky * p.dilationH
                let ox = ix * p.strideW - p.padW + kx * p.dilationW
                if oy < 0 || oy >= oh || ox < 0 || ox >= ow { continue }
                let wgt = weights[((ci * coutG + col) * p.kernelH + ky) * p.kernelW + kx]
                out[n, g * coutG + col, oy, ox] += x[n, ci, iy, ix] * wgt
            }}}
        }}}}
        return out
    }

    /// Per-channel transposed conv with the outer-product kernel kernelY[ky] * kernelX[kx].
    public static func upsample(_ x: NaiveTensor, kernelY: [Float], kernelX: [Float],
                                strideY: Int, strideX: Int, padY: Int, padX: Int) -> NaiveTensor {
        let oh = strideY * (x.h - 1) + kernelY.count - 2 * padY
        let ow = strideX * (x.w - 1) + kernelX.count - 2 * padX
        var out = NaiveTensor(shape: [x.n, x.c, oh, ow])
        for n in 0..<x.n { for c in 0..<x.c { for iy in 0..<x.h { for ix in 0..<x.w {
            for ky in 0..<kernelY.count { for kx in 0..<kernelX.count {
                let oy = iy * strideY - padY + ky, ox = ix * strideX - padX + kx
                if oy < 0 || oy >= oh || ox < 0 || ox >= ow { continue }
                out[n, c, oy, ox] += x[n, c, iy, ix] * kernelY[ky] * kernelX[kx]
            }}
        }}}}
        return out
    }

    /// The 2-D bilinear kernel of the FCN surgery: f = (k+1)/2, c = f-1 (k odd) or f-0.5,
    /// w(i, j) = (1 - |i-c|/f) * (1 - |j-c|/f). Row-major k x k.
    public static func bilinearKernel2D(_ k: Int) -> [Float] {
        let f = Double((k + 1) / 2)
        let c = k % 2 == 1 ? f - 1 : f - 0.5
        var w = [Float]()
        for i in 0..<k { for j in 0..<k {
            w.append(Float((1 - abs(Double(i) - c) / f) * (1 - abs(Double(j) - c) / f)))
        }}
        return w
    }
}
