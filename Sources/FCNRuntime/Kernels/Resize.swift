// Bilinear resize (PyTorch's F.interpolate(mode="bilinear"), ONNX Resize linear), separable:
// per axis, each output index reads two source indices with weights (1 - l, l), where the source
// coordinate is max(0, (i + 0.5) * in/out - 0.5) (half-pixel, align_corners false) or
// i * (in - 1)/(out - 1) (align_corners true), its integer part i0, i1 = min(i0 + 1, in - 1).

extension Kernels {
    /// The two source indices and the second one's weight for each output index along one axis.
    public static func resizeTaps(input n: Int, output m: Int, alignCorners: Bool) -> [(i0: Int, i1: Int, l: Float)] {
        (0..<m).map { i in
            let src: Double
            if alignCorners {
                src = m > 1 ? Double(i) * Double(n - 1) / Double(m - 1) : 0
            } else {
                src = max(0, (Double(i) + 0.5) * Double(n) / Double(m) - 0.5)
            }
            let i0 = min(Int(src), n - 1)
            return (i0, min(i0 + 1, n - 1), Float(src - Double(i0)))
        }
    }

    public static func bilinearResize(input: InputWindow, batch: Int, alignCorners: Bool, outHeight oh: Int, outWidth ow: Int,
                                      output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads) {
        let c = input.channels
        let ty = resizeTaps(input: input.height, output: oh, alignCorners: alignCorners)
        let tx = resizeTaps(input: input.width, output: ow, alignCorners: alignCorners)
        let outBox = SendableBox(output)
        parallelFor(batch * c, threads: threads) { item in
            let src = input.plane(item / c, item % c), dst = outBox.value + item * oh * ow
            let row = UnsafeMutablePointer<Float>.allocate(capacity: input.width)
            defer { row.deallocate() }
            for y in 0..<oh {
                // Interpolate the two source rows into one, then along the row.
                let (y0, y1, ly) = ty[y]
                let r0 = src + y0 * input.rowStride, r1 = src + y1 * input.rowStride
                for x in 0..<input.width { row[x] = r0[x] + ly * (r1[x] - r0[x]) }
                let d = dst + y * ow
                for x in 0..<ow {
                    let (x0, x1, lx) = tx[x]
                    d[x] = row[x0] + lx * (row[x1] - row[x0])
                }
            }
        }
    }
}
