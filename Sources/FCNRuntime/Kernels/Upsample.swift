// Separable per-channel upsampling: the depthwise transposed conv a fixed bilinear, diagonal
// deconvolution reduces to. out[y][x] = sum over (iy,ky),(ix,kx) with iy*s-p+ky = y and
// ix*s-p+kx = x of in[iy][ix] * ky1[ky] * kx1[kx]. Computed as a gather (each output reads its
// few taps) in two passes, horizontal then vertical, only over the requested output window.
// Also the bilinear kernels of the FCN reference surgery.

import FCNPlan

/// A separable transposed conv: 1-D kernels per axis, stride and pad (Caffe deconv geometry).
public struct UpsampleParams: Hashable, Sendable {
    public var kernelY: [Float], kernelX: [Float]
    public var strideY: Int, strideX: Int
    public var padY: Int, padX: Int

    public init(kernelY: [Float], kernelX: [Float], strideY: Int, strideX: Int, padY: Int = 0, padX: Int = 0) {
        precondition(!kernelY.isEmpty && !kernelX.isEmpty && strideY >= 1 && strideX >= 1
                     && padY >= 0 && padX >= 0, "bad upsample parameters")
        self.kernelY = kernelY
        self.kernelX = kernelX
        self.strideY = strideY
        self.strideX = strideX
        self.padY = padY
        self.padX = padX
    }

    /// Same 1-D kernel, stride and pad on both axes.
    public init(kernel: [Float], stride: Int, pad: Int = 0) {
        self.init(kernelY: kernel, kernelX: kernel, strideY: stride, strideX: stride, padY: pad, padX: pad)
    }

    /// Bilinear upsampling with a size-k kernel.
    public static func bilinear(kernel k: Int, stride: Int, pad: Int = 0) -> UpsampleParams {
        UpsampleParams(kernel: Kernels.bilinearKernel1D(k), stride: stride, pad: pad)
    }

    /// s * (in - 1) + k - 2p per axis.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((try? OutputSize.deconv(height, kernel: kernelY.count, stride: strideY, pad: padY, dilation: 1).get()) ?? 0,
         (try? OutputSize.deconv(width, kernel: kernelX.count, stride: strideX, pad: padX, dilation: 1).get()) ?? 0)
    }
}

/// For each output position of a window along one axis: `taps` (input index, weight) pairs,
/// unused slots have weight 0 and index `first`.
struct TapTable {
    var index: [Int]
    var weight: [Float]
    var taps: Int
    var first: Int   // smallest input index used
    var last: Int    // largest input index used (first - 1 if none)

    init(kernel: [Float], stride s: Int, pad p: Int, inputSize: Int, outStart: Int, outCount: Int) {
        let k = kernel.count
        taps = (k + s - 1) / s
        index = [Int](repeating: 0, count: outCount * taps)
        weight = [Float](repeating: 0, count: outCount * taps)
        first = Int.max
        last = Int.min
        for o in 0..<outCount {
            let pos = outStart + o + p   // = i*s + kk
            let lo = max(0, ceilDiv(pos - k + 1, s)), hi = min(inputSize - 1, floorDiv(pos, s))
            var t = 0
            if lo <= hi {
                first = min(first, lo)
                last = max(last, hi)
                for i in lo...hi {
                    index[o * taps + t] = i
                    weight[o * taps + t] = kernel[pos - i * s]
                    t += 1
                }
            }
        }
        if first > last { first = 0; last = -1 }
        for j in 0..<index.count where weight[j] == 0 { index[j] = first }
    }
}

extension Kernels {
    /// 1-D bilinear kernel of size k: f = (k+1)/2, c = f-1 (k odd) or f-0.5, w(i) = 1 - |i-c|/f.
    public static func bilinearKernel1D(_ k: Int) -> [Float] {
        precondition(k >= 1, "kernel size must be positive")
        let f = (k + 1) / 2
        let c = k % 2 == 1 ? Double(f - 1) : Double(f) - 0.5
        return (0..<k).map { Float(1 - abs(Double($0) - c) / Double(f)) }
    }

    /// Dense (C, C, k, k) deconvolution weights with the 2-D bilinear kernel on the diagonal only.
    public static func bilinearWeights(kernel k: Int, channels: Int) -> [Float] {
        bilinearWeights(kernelH: k, kernelW: k, channels: channels)
    }

    /// Dense (C, C, kh, kw) weights: the separable bilinear kernel on the channel diagonal only
    /// (class i feeds class i), as the reference FCN's upsamplers and pytorch-fcn's checkpoints hold them.
    public static func bilinearWeights(kernelH kh: Int, kernelW kw: Int, channels: Int) -> [Float] {
        let ky = bilinearKernel1D(kh), kx = bilinearKernel1D(kw)
        var w = [Float](repeating: 0, count: channels * channels * kh * kw)
        for c in 0..<channels {
            let base = (c * channels + c) * kh * kw
            for i in 0..<kh { for j in 0..<kw { w[base + i * kw + j] = ky[i] * kx[j] } }
        }
        return w
    }

    /// output (batch, C, win.height, win.width) = window `outputWindow` (default: all) of the
    /// per-channel separable transposed conv of the input window.
    public static func bilinearUpsample(
        input: InputWindow, batch: Int, params p: UpsampleParams, outputWindow: OutputWindow? = nil,
        output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads
    ) {
        let full = p.outputSize(height: input.height, width: input.width)
        let win = outputWindow ?? .full(height: full.height, width: full.width)
        precondition(win.y0 >= 0 && win.x0 >= 0 && win.height >= 0 && win.width >= 0
                     && win.y0 + win.height <= full.height && win.x0 + win.width <= full.width,
                     "upsample output window \(win) outside output \(full)")
        let oh = win.height, ow = win.width, channels = input.channels
        if batch <= 0 || oh * ow == 0 { return }
        let ty = TapTable(kernel: p.kernelY, stride: p.strideY, pad: p.padY, inputSize: input.height,
                          outStart: win.y0, outCount: oh)
        let tx = TapTable(kernel: p.kernelX, stride: p.strideX, pad: p.padX, inputSize: input.width,
                          outStart: win.x0, outCount: ow)
        let rows = ty.last - ty.first + 1
        let outBox = SendableBox(output)
        ty.index.withUnsafeBufferPointer { yIdx in
        ty.weight.withUnsafeBufferPointer { yW in
        tx.index.withUnsafeBufferPointer { xIdx in
        tx.weight.withUnsafeBufferPointer { xW in
            let tabs = SendableBox((yIdx.baseAddress!, yW.baseAddress!, xIdx.baseAddress!, xW.baseAddress!))
            parallelChunks(batch * channels, threads: threads) { range in
                let (yIdx, yW, xIdx, xW) = tabs.value
                let tmp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows * ow))
                defer { tmp.deallocate() }
                for item in range {
                    let src = input.plane(item / channels, item % channels)
                    let dst = outBox.value + item * oh * ow
                    if rows <= 0 { dst.update(repeating: 0, count: oh * ow); continue }
                    // Horizontal pass over the input rows the window needs.
                    for r in 0..<rows {
                        let srow = src + (ty.first + r) * input.rowStride
                        let trow = tmp + r * ow
                        for ox in 0..<ow {
                            var acc: Float = 0
                            for t in 0..<tx.taps { acc += srow[xIdx[ox * tx.taps + t]] * xW[ox * tx.taps + t] }
                            trow[ox] = acc
                        }
                    }
                    // Vertical pass: each output row mixes `taps` temp rows.
                    for oy in 0..<oh {
                        let drow = dst + oy * ow
                        drow.update(repeating: 0, count: ow)
                        for t in 0..<ty.taps {
                            let wgt = yW[oy * ty.taps + t]
                            if wgt == 0 { continue }
                            let trow = tmp + (yIdx[oy * ty.taps + t] - ty.first) * ow
                            for ox in 0..<ow { drow[ox] += wgt * trow[ox] }
                        }
                    }
                }
            }
        }}}}
    }
}
