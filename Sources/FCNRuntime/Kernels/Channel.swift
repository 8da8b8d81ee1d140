// Kernels that mix channels at each pixel: local response normalisation (Caffe ACROSS_CHANNELS),
// softmax over channels and argmax over channels (class labels). Work is split over (n, row).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Caffe LRN across channels: out = in * (k + alpha/localSize * sum of squares over the
/// channel window [c - (localSize-1)/2, c + localSize/2]) ^ -beta.
public struct LRNParams: Hashable, Sendable {
    public var localSize: Int
    public var alpha: Float
    public var beta: Float
    public var k: Float

    public init(localSize: Int = 5, alpha: Float = 1, beta: Float = 0.75, k: Float = 1) {
        precondition(localSize >= 1, "LRN local size must be positive")
        self.localSize = localSize
        self.alpha = alpha
        self.beta = beta
        self.k = k
    }
}

extension Kernels {
    /// output (batch, C, H, W) = LRN of the input window.
    public static func lrn(input: InputWindow, batch: Int, params p: LRNParams,
                           output: UnsafeMutablePointer<Float>, threads: Int = Kernels.threads) {
        let c = input.channels, h = input.height, w = input.width
        let pre = (p.localSize - 1) / 2, post = p.localSize - 1 - pre
        let alphaOverSize = p.alpha / Float(p.localSize)
        let outBox = SendableBox(output)
        parallelChunks(batch * h, threads: threads) { range in
            let acc = UnsafeMutablePointer<Float>.allocate(capacity: max(1, w))
            defer { acc.deallocate() }
            for item in range {
                let n = item / h, y = item % h
                func row(_ ch: Int) -> UnsafePointer<Float> { input.plane(n, ch) + y * input.rowStride }
                acc.update(repeating: 0, count: w)
                for ch in 0..<min(post, c) {
                    let r = row(ch)
                    for x in 0..<w { acc[x] += r[x] * r[x] }
                }
                for ch in 0..<c {
                    let add = ch + post, drop = ch - pre - 1
                    if add < c { let r = row(add); for x in 0..<w { acc[x] += r[x] * r[x] } }
                    if drop >= 0 { let r = row(drop); for x in 0..<w { acc[x] -= r[x] * r[x] } }
                    let src = row(ch)
                    let dst = outBox.value + ((n * c + ch) * h + y) * w
                    for x in 0..<w {
                        dst[x] = src[x] * powf(p.k + alphaOverSize * acc[x], -p.beta)
                    }
                }
            }
        }
    }

    /// output (batch, C, H, W) = softmax over channels of the input window, at each pixel.
    public static func softmax(input: InputWindow, batch: Int, output: UnsafeMutablePointer<Float>,
                               threads: Int = Kernels.threads) {
        let c = input.channels, h = input.height, w = input.width
        let outBox = SendableBox(output)
        parallelChunks(batch * h, threads: threads) { range in
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, 2 * w))
            defer { tmp.deallocate() }
            let mx = tmp, sum = tmp + w
            for item in range {
                let n = item / h, y = item % h
                mx.update(repeating: -Float.infinity, count: w)
                sum.update(repeating: 0, count: w)
                for ch in 0..<c {
                    let src = input.plane(n, ch) + y * input.rowStride
                    for x in 0..<w { mx[x] = max(mx[x], src[x]) }
                }
                for ch in 0..<c {
                    let src = input.plane(n, ch) + y * input.rowStride
                    let dst = outBox.value + ((n * c + ch) * h + y) * w
                    for x in 0..<w { let e = expf(src[x] - mx[x]); dst[x] = e; sum[x] += e }
                }
                for x in 0..<w { sum[x] = 1 / sum[x] }
                for ch in 0..<c {
                    let dst = outBox.value + ((n * c + ch) * h + y) * w
                    for x in 0..<w { dst[x] *= sum[x] }
                }
            }
        }
    }

    /// output (batch, H, W) = index of the largest channel at each pixel (first one on ties).
    public static func argmax(input: InputWindow, batch: Int, output: UnsafeMutablePointer<Int32>,
                              threads: Int = Kernels.threads) {
        argmaxLabels(input: input, batch: batch, output: output, threads: threads)
    }

    /// As above with 8-bit labels; the input must have at most 256 channels.
    public static func argmax(input: InputWindow, batch: Int, output: UnsafeMutablePointer<UInt8>,
                              threads: Int = Kernels.threads) {
        precondition(input.channels <= 256, "UInt8 labels need at most 256 channels")
        argmaxLabels(input: input, batch: batch, output: output, threads: threads)
    }

    static func argmaxLabels<T: FixedWidthInteger>(input: InputWindow, batch: Int,
                                                   output: UnsafeMutablePointer<T>, threads: Int) {
        let c = input.channels, h = input.height, w = input.width
        if c == 0 { return }
        let outBox = SendableBox(output)
        parallelChunks(batch * h, threads: threads) { range in
            let best = UnsafeMutablePointer<Float>.allocate(capacity: max(1, w))
            defer { best.deallocate() }
            for item in range {
                let n = item / h, y = item % h
                let dst = outBox.value + item * w
                best.update(from: input.plane(n, 0) + y * input.rowStride, count: w)
                dst.update(repeating: 0, count: w)
                for ch in 1..<max(1, c) {
                    let src = input.plane(n, ch) + y * input.rowStride
                    for x in 0..<w where src[x] > best[x] {
                        best[x] = src[x]
                        dst[x] = T(truncatingIfNeeded: ch)
                    }
                }
            }
        }
    }
}
