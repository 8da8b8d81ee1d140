// Element-wise kernels: ReLU and scaling on flat buffers (in place allowed), the sum of several
// input windows (Caffe Eltwise SUM with optional coefficients and fused ReLU), and the crop
// copy of a window into a dense buffer.

extension Kernels {
    /// Items of at most this many floats are not worth a thread hop.
    static let flatChunk = 1 << 16

    /// output[i] = max(input[i], 0). `output` may equal `input`.
    public static func relu(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                            count: Int, threads: Int = Kernels.threads) {
        let box = SendableBox((input, output))
        flatChunks(count, threads: threads) { range in
            let (src, dst) = box.value
            for i in range { dst[i] = max(src[i], 0) }
        }
    }

    /// output[i] = factor * input[i]. `output` may equal `input`.
    public static func scale(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                             count: Int, factor: Float, threads: Int = Kernels.threads) {
        let box = SendableBox((input, output))
        flatChunks(count, threads: threads) { range in
            let (src, dst) = box.value
            for i in range { dst[i] = factor * src[i] }
        }
    }

    /// Splits 0..<count into per-thread ranges when it is large enough to pay off.
    static func flatChunks(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let workers = min(max(1, threads), max(1, count / flatChunk))
        parallelChunks(workers, threads: workers) { r in
            body((count * r.lowerBound / workers)..<(count * r.upperBound / workers))
        }
    }

    /// output (batch, C, H, W) = sum_i coefficients[i] * inputs[i] (all windows C x H x W),
    /// then ReLU if `relu`. `output` may alias an input only if that input is dense and unshifted.
    public static func sum(inputs: [InputWindow], coefficients: [Float]? = nil, batch: Int,
                           relu: Bool = false, output: UnsafeMutablePointer<Float>,
                           threads: Int = Kernels.threads) {
        precondition(!inputs.isEmpty, "sum of no inputs")
        let c = inputs[0].channels, h = inputs[0].height, w = inputs[0].width
        precondition(inputs.allSatisfy { $0.channels == c && $0.height == h && $0.width == w },
                     "sum inputs differ in shape")
        precondition(coefficients == nil || coefficients!.count == inputs.count, "one coefficient per input")
        let outBox = SendableBox(output)
        if inputs.count == 2 && coefficients == nil && inputs[0].planesContiguous && inputs[1].planesContiguous {
            // A residual block's add (+ ReLU): one pass over each whole plane, no per-row loop.
            let first = inputs[0], second = inputs[1], count = h * w
            parallelFor(batch * c, threads: threads) { item in
                let a = first.plane(item / c, item % c), b = second.plane(item / c, item % c)
                let dst = outBox.value + item * count
                if relu {
                    for x in 0..<count { dst[x] = max(a[x] + b[x], 0) }
                } else {
                    for x in 0..<count { dst[x] = a[x] + b[x] }
                }
            }
            return
        }
        let coeffs = coefficients ?? [Float](repeating: 1, count: inputs.count)
        parallelFor(batch * c, threads: threads) { item in
            let n = item / c, ch = item % c
            let dst = outBox.value + item * h * w
            for y in 0..<h {
                let drow = dst + y * w
                for (i, input) in inputs.enumerated() {
                    let srow = input.plane(n, ch) + y * input.rowStride
                    let k = coeffs[i]
                    if i == 0 {
                        if k == 1 { for x in 0..<w { drow[x] = srow[x] } }
                        else { for x in 0..<w { drow[x] = k * srow[x] } }
                    } else {
                        if k == 1 { for x in 0..<w { drow[x] += srow[x] } }
                        else { for x in 0..<w { drow[x] += k * srow[x] } }
                    }
                }
                if relu { for x in 0..<w { drow[x] = max(drow[x], 0) } }
            }
        }
    }

    /// output (batch, C, H, W) = the input window, copied densely.
    public static func cropCopy(input: InputWindow, batch: Int, output: UnsafeMutablePointer<Float>,
                                threads: Int = Kernels.threads) {
        let c = input.channels, h = input.height, w = input.width
        let outBox = SendableBox(output)
        parallelFor(batch * c, threads: threads) { item in
            let src = input.plane(item / c, item % c)
            let dst = outBox.value + item * h * w
            if input.planesContiguous {
                dst.update(from: src, count: h * w)
            } else {
                for y in 0..<h { (dst + y * w).update(from: src + y * input.rowStride, count: w) }
            }
        }
    }
}
