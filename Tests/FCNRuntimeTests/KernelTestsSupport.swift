// Helpers for the kernel tests: random windows of random buffers, and runners that call the
// fast kernels on NaiveTensor data so results compare directly with the naive reference.

import XCTest
import FCNRuntime
import FCNPlan
import FCNTestSupport

/// A random input: a buffer and a window inside it (the window is what the kernel sees).
struct WindowedCase {
    var buffer: NaiveTensor
    var y0: Int, x0: Int, height: Int, width: Int

    /// Window of `height x width`; with probability 1/2 placed inside a larger random buffer.
    static func random(batch: Int, channels: Int, height: Int, width: Int,
                       rng: inout SplitMix64, alwaysDense: Bool = false) -> WindowedCase {
        let windowed = !alwaysDense && rng.nextBool()
        let bh = height + (windowed ? rng.nextInt(in: 0...3) : 0)
        let bw = width + (windowed ? rng.nextInt(in: 0...3) : 0)
        let buffer = NaiveTensor.random(shape: [batch, channels, bh, bw], using: &rng)
        return WindowedCase(buffer: buffer, y0: rng.nextInt(in: 0...(bh - height)),
                            x0: rng.nextInt(in: 0...(bw - width)), height: height, width: width)
    }

    /// The window as a dense tensor, per the naive definition of crop.
    var dense: NaiveTensor {
        Naive.crop(buffer, y0: y0, x0: x0, height: height, width: width)
    }

    func withWindow<R>(_ body: (InputWindow) -> R) -> R {
        buffer.values.withUnsafeBufferPointer { p in
            body(InputWindow(base: p.baseAddress!, bufferChannels: buffer.c, bufferHeight: buffer.h,
                             bufferWidth: buffer.w, y0: y0, x0: x0, height: height, width: width))
        }
    }

    var description: String {
        "buffer \(buffer.shape) window y0=\(y0) x0=\(x0) \(height)x\(width)"
    }
}

/// Runs `body` on a zeroed output of `shape` and returns it.
func runKernel(shape: [Int], _ body: (UnsafeMutablePointer<Float>) -> Void) -> NaiveTensor {
    var out = NaiveTensor(shape: shape, repeating: .nan)
    out.values.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    return out
}

/// Asserts equal shapes and values within `tol` (relative to max(1, |expected|)).
func assertClose(_ got: NaiveTensor, _ want: NaiveTensor, tol: Float = 1e-4, _ what: @autoclosure () -> String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.shape, want.shape, "shape: \(what())", file: file, line: line)
    let err = maxRelativeError(got.values, want.values)
    XCTAssertLessThanOrEqual(err, tol, "error \(err): \(what())", file: file, line: line)
}

func randomArray(_ count: Int, rng: inout SplitMix64) -> [Float] {
    (0..<count).map { _ in rng.nextFloat(in: -1...1) }
}

/// A scratch buffer of `count` floats (at least 1) for conv/deconv calls.
func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>, Int) -> R) -> R {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    p.initialize(repeating: .nan, count: max(count, 1))
    defer { p.deallocate() }
    return body(p, count)
}

/// conv2d on plain weights with a bias and ReLU, `scratchCount` floats of scratch.
func runPlainConv(_ input: WindowedCase, weights: [Float], bias: [Float], params p: ConvParams,
                  scratchCount: Int, threads: Int) -> NaiveTensor {
    let (oh, ow) = p.convOutputSize(height: input.height, width: input.width)
    return input.withWindow { win in
        runKernel(shape: [input.buffer.n, p.outChannels, oh, ow]) { out in
            withScratch(scratchCount) { scratch, cap in
                weights.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        Kernels.conv2d(input: win, batch: input.buffer.n, weights: w.baseAddress!, bias: b.baseAddress!,
                                       params: p, relu: true, output: out, scratch: scratch, scratchCapacity: cap,
                                       threads: threads)
                    }
                }
            }
        }
    }
}
