// Element-wise and channel kernels against the naive reference: ReLU and scale (in place and
// not), sum of windows with coefficients and ReLU (and the two-plane fast path, in place), crop copy (spatial and channel windows), LRN,
// softmax and argmax (Int32 and UInt8). Also the Tensor storage type.

import XCTest
import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsMisc: XCTestCase {
    func testReluAndScale() {
        var rng = SplitMix64(seed: 5)
        for count in [0, 1, 7, 1000, 70_000, 200_003] {
            let x = randomArray(count, rng: &rng)
            var out = [Float](repeating: .nan, count: count)
            var inPlace = x
            x.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
                Kernels.relu(src.baseAddress!, dst.baseAddress!, count: count, threads: 2)
            }}
            inPlace.withUnsafeMutableBufferPointer { p in
                Kernels.relu(UnsafePointer(p.baseAddress!), p.baseAddress!, count: count, threads: 1)
            }
            let want = x.map { max($0, 0) }
            XCTAssertEqual(out, want)
            XCTAssertEqual(inPlace, want)
            inPlace = x
            inPlace.withUnsafeMutableBufferPointer { p in
                Kernels.scale(UnsafePointer(p.baseAddress!), p.baseAddress!, count: count, factor: 0.01, threads: 2)
            }
            XCTAssertEqual(inPlace, x.map { $0 * 0.01 })
        }
    }

    func testSumOfWindows() {
        var rng = SplitMix64(seed: 0x5A)
        for trial in 0..<60 {
            let n = rng.nextInt(in: 1...2), c = rng.nextInt(in: 1...3)
            let h = rng.nextInt(in: 1...7), w = rng.nextInt(in: 1...7)
            let inputs = (0..<rng.nextInt(in: 1...3)).map { _ in
                WindowedCase.random(batch: n, channels: c, height: h, width: w, rng: &rng)
            }
            let coeffs: [Float]? = rng.nextBool() ? randomArray(inputs.count, rng: &rng) : nil
            let relu = rng.nextBool()
            // Collect the windows (buffers stay alive in `inputs` during the call).
            let got = runKernel(shape: [n, c, h, w]) { out in
                withWindows(inputs) { windows in
                    Kernels.sum(inputs: windows, coefficients: coeffs, batch: n, relu: relu, output: out,
                                threads: 1 + trial % 2)
                }
            }
            let want = Naive.sum(inputs.map(\.dense), coefficients: coeffs, relu: relu)
            assertClose(got, want, "trial \(trial) \(inputs.map(\.description))")
        }
    }

    func testSumOfTwoWholePlanesInPlace() {
        // The residual add's fast path (two inputs whose planes are contiguous, no coefficients),
        // writing over its first input as the plan's in-place sums do, and over a window whose
        // rows are whole (same width as its buffer) but which starts below the buffer's top.
        var rng = SplitMix64(seed: 0x5B)
        for (n, c, h, w) in [(1, 3, 5, 7), (2, 2, 9, 33), (1, 1, 1, 1)] {
            for relu in [false, true] {
                let a = NaiveTensor.random(shape: [n, c, h, w], using: &rng)
                let tall = NaiveTensor.random(shape: [n, c, h + 2, w], using: &rng)
                let b = WindowedCase(buffer: tall, y0: 2, x0: 0, height: h, width: w)
                let want = Naive.sum([a, b.dense], coefficients: nil, relu: relu)
                var got = a
                got.values.withUnsafeMutableBufferPointer { out in
                    let first = InputWindow(base: UnsafePointer(out.baseAddress!), bufferChannels: c, bufferHeight: h,
                                            bufferWidth: w, y0: 0, x0: 0, height: h, width: w)
                    b.withWindow { second in
                        Kernels.sum(inputs: [first, second], batch: n, relu: relu, output: out.baseAddress!, threads: 2)
                    }
                }
                assertClose(got, want, "\(n)x\(c)x\(h)x\(w) relu \(relu)")
            }
        }
    }

    func withWindows<R>(_ cases: [WindowedCase], _ body: ([InputWindow]) -> R) -> R {
        if cases.isEmpty { return body([]) }
        return cases[0].withWindow { first in
            withWindows(Array(cases.dropFirst())) { rest in body([first] + rest) }
        }
    }

    func testCropCopy() {
        var rng = SplitMix64(seed: 0xC20)
        for trial in 0..<60 {
            let n = rng.nextInt(in: 1...2), bc = rng.nextInt(in: 1...4)
            let bh = rng.nextInt(in: 1...8), bw = rng.nextInt(in: 1...8)
            let buf = NaiveTensor.random(shape: [n, bc, bh, bw], using: &rng)
            let c = rng.nextInt(in: 1...bc), h = rng.nextInt(in: 1...bh), w = rng.nextInt(in: 1...bw)
            let c0 = rng.nextInt(in: 0...(bc - c)), y0 = rng.nextInt(in: 0...(bh - h)), x0 = rng.nextInt(in: 0...(bw - w))
            let got = runKernel(shape: [n, c, h, w]) { out in
                buf.values.withUnsafeBufferPointer { p in
                    let win = InputWindow(base: p.baseAddress!, bufferChannels: bc, bufferHeight: bh, bufferWidth: bw,
                                          c0: c0, y0: y0, x0: x0, channels: c, height: h, width: w)
                    Kernels.cropCopy(input: win, batch: n, output: out, threads: 1 + trial % 2)
                }
            }
            XCTAssertEqual(got, Naive.crop(buf, c0: c0, y0: y0, x0: x0, channels: c, height: h, width: w))
        }
    }

    func testLRN() {
        var rng = SplitMix64(seed: 0x14)
        for trial in 0..<60 {
            let p = LRNParams(localSize: rng.nextInt(in: 1...6), alpha: rng.nextFloat(in: 0.0001...2),
                              beta: [0.75, 0.5, 1.3][trial % 3], k: rng.nextFloat(in: 0.5...2))
            let input = WindowedCase.random(batch: rng.nextInt(in: 1...2), channels: rng.nextInt(in: 1...8),
                                            height: rng.nextInt(in: 1...5), width: rng.nextInt(in: 1...5), rng: &rng)
            let got = input.withWindow { x in
                runKernel(shape: [input.buffer.n, input.buffer.c, input.height, input.width]) { out in
                    Kernels.lrn(input: x, batch: input.buffer.n, params: p, output: out, threads: 1 + trial % 2)
                }
            }
            assertClose(got, Naive.lrn(input.dense, params: p), "trial \(trial) \(p) \(input.description)")
        }
    }

    func testSoftmaxAndArgmax() {
        var rng = SplitMix64(seed: 0x50F7)
        for trial in 0..<60 {
            let n = rng.nextInt(in: 1...2), c = rng.nextInt(in: 1...22)
            var input = WindowedCase.random(batch: n, channels: c, height: rng.nextInt(in: 1...5),
                                            width: rng.nextInt(in: 1...5), rng: &rng)
            // Large logits check stability; a few exact ties check "first index wins".
            input.buffer.values = input.buffer.values.map { trial % 4 == 0 ? ($0 * 80).rounded() : $0 * 8 }
            let shape = [n, c, input.height, input.width]
            let soft = input.withWindow { x in
                runKernel(shape: shape) { Kernels.softmax(input: x, batch: n, output: $0, threads: 1 + trial % 2) }
            }
            assertClose(soft, Naive.softmax(input.dense), tol: 1e-5, "trial \(trial) \(input.description)")
            let count = n * input.height * input.width
            var labels32 = [Int32](repeating: -1, count: count)
            var labels8 = [UInt8](repeating: 255, count: count)
            input.withWindow { x in
                labels32.withUnsafeMutableBufferPointer {
                    Kernels.argmax(input: x, batch: n, output: $0.baseAddress!, threads: 1 + trial % 2)
                }
                labels8.withUnsafeMutableBufferPointer {
                    Kernels.argmax(input: x, batch: n, output: $0.baseAddress!, threads: 2 - trial % 2)
                }
            }
            let want = Naive.argmax(input.dense)
            XCTAssertEqual(labels32.map(Int.init), want, "trial \(trial)")
            XCTAssertEqual(labels8.map(Int.init), want, "trial \(trial)")
        }
    }

    func testTensorStorage() {
        let t = Tensor(shape: [2, 3, 4, 5], values: (0..<120).map(Float.init))
        XCTAssertEqual(t.count, 120)
        XCTAssertEqual([t.n, t.c, t.h, t.w], [2, 3, 4, 5])
        XCTAssertEqual(Int(bitPattern: t.pointer) % Tensor.alignment, 0)
        XCTAssertEqual(t[1, 2, 3, 4], 119)
        XCTAssertEqual(t.toArray(), (0..<120).map(Float.init))
        let z = Tensor(shape: [1, 2, 3, 3], repeating: 7)
        XCTAssertEqual(z.withUnsafeBufferPointer { Array($0) }, [Float](repeating: 7, count: 18))
        // A view into an arena keeps the arena alive.
        var arena: Tensor? = Tensor(shape: [100], repeating: 1)
        let view = Tensor(shape: [1, 1, 2, 5], pointer: arena!.pointer + 10, owner: arena)
        arena = nil
        view.withUnsafeMutableBufferPointer { $0[0] = 3 }
        XCTAssertEqual(view.toArray(), [3, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(view.window.width, 5)
        XCTAssertEqual(Tensor(shape: [3, 0], repeating: 0).count, 0)
    }

    func testThreadSetting() {
        let before = Kernels.threads
        Kernels.setThreads(2)
        XCTAssertEqual(Kernels.threads, 2)
        Kernels.setThreads(0)
        XCTAssertEqual(Kernels.threads, 1)
        Kernels.setThreads(before)
    }
}
