// Per-channel affine maps and channel concatenation.
//  - channelAffine: y[n, c] = x[n, c] * scale[c] + shift[c], then ReLU if asked: an unfolded
//    batch norm (scale = weight / sqrt(var + eps), shift = bias - mean * scale).
//  - concat: the inputs' channels one after another, each read through its window.

extension Kernels {
    public static func channelAffine(input: InputWindow, batch: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                     relu: Bool, output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads) {
        let c = input.channels, h = input.height, w = input.width
        let outBox = SendableBox(output), scaleBox = SendableBox(scale), shiftBox = SendableBox(shift)
        parallelFor(batch * c, threads: threads) { item in
            let ch = item % c, k = scaleBox.value[ch], b = shiftBox.value[ch]
            let src = input.plane(item / c, ch)
            let dst = outBox.value + item * h * w
            for y in 0..<h {
                let s = src + y * input.rowStride, d = dst + y * w
                if relu { for x in 0..<w { d[x] = max(s[x] * k + b, 0) } } else { for x in 0..<w { d[x] = s[x] * k + b } }
            }
        }
    }

    /// (scale, shift) of an inference batch norm: scale = weight / sqrt(var + eps), shift = bias - mean * scale.
    public static func batchNormAffine(weight: [Float], bias: [Float], mean: [Float], variance: [Float], eps: Double) -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: weight.count), shift = scale
        for c in 0..<weight.count {
            let s = Double(weight[c]) / (Double(variance[c]) + eps).squareRoot()
            scale[c] = Float(s)
            shift[c] = Float(Double(bias[c]) - Double(mean[c]) * s)
        }
        return (scale, shift)
    }

    public static func concat(inputs: [InputWindow], batch: Int, output: UnsafeMutablePointer<Float>,
                              threads: Int = Kernels.threads) {
        let h = inputs[0].height, w = inputs[0].width
        let total = inputs.reduce(0) { $0 + $1.channels }
        precondition(inputs.allSatisfy { $0.height == h && $0.width == w }, "concat inputs differ in size")
        var first: [Int] = [], at = 0
        for input in inputs { first.append(at); at += input.channels }
        let outBox = SendableBox(output)
        let firstChannel = first
        parallelFor(batch * total, threads: threads) { item in
            let n = item / total, ch = item % total
            let i = firstChannel.lastIndex { $0 <= ch }!
            let src = inputs[i].plane(n, ch - firstChannel[i])
            let dst = outBox.value + item * h * w
            for y in 0..<h { (dst + y * w).update(from: src + y * inputs[i].rowStride, count: w) }
        }
    }
}
