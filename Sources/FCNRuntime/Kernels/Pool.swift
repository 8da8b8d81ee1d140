// Max and average pooling with Caffe semantics: output size rounds up, then drops the last
// window if it would start in the right padding. Max ignores padding; average divides by the
// window size clipped to the padded input (computed before clipping to the real input).
// Empty windows (pad 0, stride > kernel, rounded up) give -FLT_MAX (max, as Caffe) and 0 (avg).

public struct PoolParams: Hashable, Sendable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int

    public init(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int = 0, padW: Int = 0) {
        precondition(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1
                     && padH >= 0 && padW >= 0, "bad pool parameters")
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
    }

    public init(kernel: Int, stride: Int, pad: Int = 0) {
        self.init(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad)
    }

    /// Caffe: ceil((in + 2p - k) / s) + 1, minus one if p > 0 and (out-1)*s >= in + p.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        func axis(_ size: Int, _ k: Int, _ s: Int, _ p: Int) -> Int {
            var out = ceilDiv(size + 2 * p - k, s) + 1
            if p > 0 && (out - 1) * s >= size + p { out -= 1 }
            return out
        }
        return (axis(height, kernelH, strideH, padH), axis(width, kernelW, strideW, padW))
    }
}

extension Kernels {
    /// output (batch, C, OH, OW) = max over each window (padding ignored).
    public static func maxPool(input: InputWindow, batch: Int, params p: PoolParams,
                               output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads) {
        pool(input: input, batch: batch, params: p, output: output, threads: threads, average: false)
    }

    /// output (batch, C, OH, OW) = sum over each window / Caffe pool size.
    public static func avgPool(input: InputWindow, batch: Int, params p: PoolParams,
                               output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads) {
        pool(input: input, batch: batch, params: p, output: output, threads: threads, average: true)
    }

    static func pool(input: InputWindow, batch: Int, params p: PoolParams,
                     output: UnsafeMutablePointer<Float>, threads: Int, average: Bool) {
        let h = input.height, w = input.width, rs = input.rowStride
        let (oh, ow) = p.outputSize(height: h, width: w)
        if batch <= 0 || oh <= 0 || ow <= 0 { return }
        let channels = input.channels
        let outBox = SendableBox(output)
        parallelFor(batch * channels, threads: threads) { item in
            let src = input.plane(item / channels, item % channels)
            var dst = outBox.value + item * oh * ow
            for oy in 0..<oh {
                let hs0 = oy * p.strideH - p.padH
                let he0 = min(hs0 + p.kernelH, h + p.padH)
                let hs = max(hs0, 0), he = min(he0, h)
                for ox in 0..<ow {
                    let ws0 = ox * p.strideW - p.padW
                    let we0 = min(ws0 + p.kernelW, w + p.padW)
                    let ws = max(ws0, 0), we = min(we0, w)
                    if average {
                        var sum: Float = 0
                        var y = hs
                        while y < he {
                            let row = src + y * rs
                            var x = ws
                            while x < we { sum += row[x]; x += 1 }
                            y += 1
                        }
                        // An empty window (only possible with pad 0 and stride > kernel) gives 0
                        // where Caffe would divide 0 by a size <= 0.
                        dst[ox] = he > hs && we > ws ? sum / Float((he0 - hs0) * (we0 - ws0)) : 0
                    } else {
                        var m = -Float.greatestFiniteMagnitude
                        var y = hs
                        while y < he {
                            let row = src + y * rs
                            var x = ws
                            while x < we { m = max(m, row[x]); x += 1 }
                            y += 1
                        }
                        dst[ox] = m
                    }
                }
                dst += ow
            }
        }
    }
}
