// Naive reference pooling, element-wise ops, crop, LRN, softmax and argmax, written straight from
// Caffe's definitions on NaiveTensor values.

import Foundation
import FCNRuntime

extension Naive {
    /// Caffe pooled size: ceil((in + 2p - k) / s) + 1, minus one if p > 0 and the last window
    /// would start at or beyond in + p.
    public static func pooledSize(_ size: Int, kernel k: Int, stride s: Int, pad p: Int) -> Int {
        var out = Int((Double(size + 2 * p - k) / Double(s)).rounded(.up)) + 1
        if p > 0 && (out - 1) * s >= size + p { out -= 1 }
        return out
    }

    public static func maxPool(_ x: NaiveTensor, params p: PoolParams) -> NaiveTensor {
        pool(x, params: p, average: false)
    }

    public static func avgPool(_ x: NaiveTensor, params p: PoolParams) -> NaiveTensor {
        pool(x, params: p, average: true)
    }

    static func pool(_ x: NaiveTensor, params p: PoolParams, average: Bool) -> NaiveTensor {
        let oh = pooledSize(x.h, kernel: p.kernelH, stride: p.strideH, pad: p.padH)
        let ow = pooledSize(x.w, kernel: p.kernelW, stride: p.strideW, pad: p.padW)
        var out = NaiveTensor(shape: [x.n, x.c, oh, ow])
        for n in 0..<x.n { for c in 0..<x.c { for oy in 0..<oh { for ox in 0..<ow {
            var hs = oy * p.strideH - p.padH, ws = ox * p.strideW - p.padW
            var he = min(hs + p.kernelH, x.h + p.padH), we = min(ws + p.kernelW, x.w + p.padW)
            let poolSize = (he - hs) * (we - ws)   // Caffe: counted before clipping to the input
            hs = max(hs, 0); ws = max(ws, 0); he = min(he, x.h); we = min(we, x.w)
            var sum: Float = 0
            var best = -Float.greatestFiniteMagnitude
            for y in stride(from: hs, to: he, by: 1) { for xx in stride(from: ws, to: we, by: 1) {
                sum += x[n, c, y, xx]
                best = max(best, x[n, c, y, xx])
            }}
            // An empty window (pad 0, stride > kernel) averages to 0; its max stays -FLT_MAX.
            out[n, c, oy, ox] = average ? (he > hs && we > ws ? sum / Float(poolSize) : 0) : best
        }}}}
        return out
    }

    public static func relu(_ x: NaiveTensor) -> NaiveTensor {
        NaiveTensor(shape: x.shape, values: x.values.map { $0 > 0 ? $0 : 0 })
    }

    public static func scale(_ x: NaiveTensor, by factor: Float) -> NaiveTensor {
        NaiveTensor(shape: x.shape, values: x.values.map { $0 * factor })
    }

    /// sum_i coefficients[i] * xs[i], then ReLU if asked.
    public static func sum(_ xs: [NaiveTensor], coefficients: [Float]? = nil, relu: Bool = false) -> NaiveTensor {
        var out = NaiveTensor(shape: xs[0].shape)
        for (i, x) in xs.enumerated() {
            precondition(x.shape == out.shape, "sum shapes differ")
            for j in 0..<x.values.count { out.values[j] += (coefficients?[i] ?? 1) * x.values[j] }
        }
        return relu ? Naive.relu(out) : out
    }

    /// Inference batch norm, straight from its definition: (x - mean) / sqrt(var + eps) * weight + bias,
    /// in double precision.
    public static func batchNorm(_ x: NaiveTensor, weight: [Float], bias: [Float], mean: [Float], variance: [Float], eps: Double) -> NaiveTensor {
        var out = x
        for n in 0..<x.n { for c in 0..<x.c { for y in 0..<x.h { for xx in 0..<x.w {
            let v = (Double(x[n, c, y, xx]) - Double(mean[c])) / (Double(variance[c]) + eps).squareRoot()
            out[n, c, y, xx] = Float(v * Double(weight[c]) + Double(bias[c]))
        }}}}
        return out
    }

    /// Bilinear resize straight from PyTorch's definition (upsample_bilinear2d), in double precision.
    public static func resize(_ x: NaiveTensor, height oh: Int, width ow: Int, alignCorners: Bool) -> NaiveTensor {
        func source(_ i: Int, _ n: Int, _ m: Int) -> (Int, Int, Double) {
            var s: Double
            if alignCorners { s = m > 1 ? Double(i) * Double(n - 1) / Double(m - 1) : 0 } else {
                s = Double(n) / Double(m) * (Double(i) + 0.5) - 0.5
                if s < 0 { s = 0 }
            }
            let i0 = Int(s.rounded(.down))
            return (i0, i0 < n - 1 ? i0 + 1 : i0, s - Double(i0))
        }
        var out = NaiveTensor(shape: [x.n, x.c, oh, ow])
        for n in 0..<x.n { for c in 0..<x.c { for y in 0..<oh { for xx in 0..<ow {
            let (y0, y1, ly) = source(y, x.h, oh), (x0, x1, lx) = source(xx, x.w, ow)
            let top = Double(x[n, c, y0, x0]) * (1 - lx) + Double(x[n, c, y0, x1]) * lx
            let bottom = Double(x[n, c, y1, x0]) * (1 - lx) + Double(x[n, c, y1, x1]) * lx
            out[n, c, y, xx] = Float(top * (1 - ly) + bottom * ly)
        }}}}
        return out
    }

    /// The inputs' channels one after another.
    public static func concat(_ xs: [NaiveTensor]) -> NaiveTensor {
        var out = NaiveTensor(shape: [xs[0].n, xs.reduce(0) { $0 + $1.c }, xs[0].h, xs[0].w])
        var c0 = 0
        for x in xs {
            for n in 0..<x.n { for c in 0..<x.c { for y in 0..<x.h { for xx in 0..<x.w { out[n, c0 + c, y, xx] = x[n, c, y, xx] }}}}
            c0 += x.c
        }
        return out
    }

    /// Channels [c0, c0+c), rows [y0, y0+h), cols [x0, x0+w) of every image.
    public static func crop(_ x: NaiveTensor, c0: Int = 0, y0: Int, x0: Int, channels: Int? = nil,
                            height: Int, width: Int) -> NaiveTensor {
        let ch = channels ?? x.c - c0
        var out = NaiveTensor(shape: [x.n, ch, height, width])
        for n in 0..<x.n { for c in 0..<ch { for y in 0..<height { for xx in 0..<width {
            out[n, c, y, xx] = x[n, c0 + c, y0 + y, x0 + xx]
        }}}}
        return out
    }

    /// Caffe LRN ACROSS_CHANNELS: scale = k + alpha/size * sum of x^2 over channels
    /// [c - (size-1)/2, c - (size-1)/2 + size - 1] inside the tensor; out = x * scale^-beta.
    public static func lrn(_ x: NaiveTensor, params p: LRNParams) -> NaiveTensor {
        var out = x
        let pre = (p.localSize - 1) / 2
        for n in 0..<x.n { for c in 0..<x.c { for y in 0..<x.h { for xx in 0..<x.w {
            var sq: Double = 0
            for j in (c - pre)..<(c - pre + p.localSize) where j >= 0 && j < x.c {
                sq += Double(x[n, j, y, xx]) * Double(x[n, j, y, xx])
            }
            let scale = Double(p.k) + Double(p.alpha) / Double(p.localSize) * sq
            out[n, c, y, xx] = Float(Double(x[n, c, y, xx]) * pow(scale, -Double(p.beta)))
        }}}}
        return out
    }

    /// exp(x_c) / sum_j exp(x_j) at each pixel (computed in Double).
    public static func softmax(_ x: NaiveTensor) -> NaiveTensor {
        var out = x
        for n in 0..<x.n { for y in 0..<x.h { for xx in 0..<x.w {
            let m = (0..<x.c).map { Double(x[n, $0, y, xx]) }.max()!
            let total = (0..<x.c).reduce(0.0) { $0 + exp(Double(x[n, $1, y, xx]) - m) }
            for c in 0..<x.c { out[n, c, y, xx] = Float(exp(Double(x[n, c, y, xx]) - m) / total) }
        }}}
        return out
    }

    /// Index of the largest channel at each pixel (first on ties), as (n, h, w) row-major.
    public static func argmax(_ x: NaiveTensor) -> [Int] {
        var labels = [Int]()
        for n in 0..<x.n { for y in 0..<x.h { for xx in 0..<x.w {
            var best = 0
            for c in 1..<max(x.c, 1) where x[n, c, y, xx] > x[n, best, y, xx] { best = c }
            labels.append(best)
        }}}
        return labels
    }
}
