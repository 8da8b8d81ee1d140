// fcngc's own GEMM (CKernels, Gemm.swift) against a naive Double product, on every micro-kernel
// this CPU supports: odd shapes around the micro-tile sizes (8x32, 6x16, 4x8) and the blocking
// (KC 256, MC 64/72, NC 2048; with A packed beforehand, column blocks of about 1 MiB of B over
// its whole depth), row strides wider than the matrices, overwrite and accumulate, A packed on the
// fly and packed beforehand (as the Winograd and conv weights are), and the bias/addend/ReLU
// epilogue.

import XCTest
import FCNRuntime
import FCNTestSupport

final class KernelTestsGemm: XCTestCase {
    /// C = A·B (+ C) on `kernel`, compared with the naive product; returns max |error| / max scale.
    /// With `bias`, `addend` and `relu`, C = max(0, A·B (+ C) + bias per row + D) (the epilogue),
    /// D an m x n matrix with its own row stride.
    func check(_ kernel: GemmKernel, m: Int, n: Int, k: Int, accumulate: Bool, packingA: Bool,
               bias withBias: Bool = false, addend withAddend: Bool = false, relu: Bool = false,
               rng: inout SplitMix64, file: StaticString = #filePath, line: UInt = #line) {
        let lda = k + rng.nextInt(in: 0...3), ldb = n + rng.nextInt(in: 0...3), ldc = n + rng.nextInt(in: 0...5)
        let a = randomArray(max(1, m * lda), rng: &rng), b = randomArray(max(1, k * ldb), rng: &rng)
        let c0 = randomArray(max(1, m * ldc), rng: &rng)
        let bias = randomArray(max(1, m), rng: &rng)
        let ldd = n + rng.nextInt(in: 0...4), d = randomArray(max(1, m * ldd), rng: &rng)
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                bias.withUnsafeBufferPointer { pbias in
                    d.withUnsafeBufferPointer { pd in
                        c.withUnsafeMutableBufferPointer { pc in
                            kernel.multiply(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                            accumulate: accumulate, c: pc.baseAddress!, ldc: ldc, packingA: packingA,
                                            bias: withBias ? pbias.baseAddress! : nil, addend: withAddend ? pd.baseAddress! : nil,
                                            ldAddend: ldd, relu: relu)
                        }
                    }
                }
            }
        }
        var worst = 0.0, scale = 1e-30
        for i in 0..<m {
            for j in 0..<n {
                var s = accumulate ? Double(c0[i * ldc + j]) : 0, mag = abs(s)
                for p in 0..<k {
                    s += Double(a[i * lda + p]) * Double(b[p * ldb + j])
                    mag += abs(Double(a[i * lda + p]) * Double(b[p * ldb + j]))
                }
                if withBias { s += Double(bias[i]); mag += abs(Double(bias[i])) }
                if withAddend { s += Double(d[i * ldd + j]); mag += abs(Double(d[i * ldd + j])) }
                if relu { s = max(s, 0) }
                worst = max(worst, abs(Double(c[i * ldc + j]) - s))
                scale = max(scale, mag)
            }
            // Padding between rows of C is never written.
            for j in n..<ldc where i * ldc + j < c.count {
                XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j], "\(kernel.name) wrote C padding at (\(i), \(j))", file: file, line: line)
            }
        }
        XCTAssertLessThanOrEqual(worst / scale, 1e-6,
                                 "\(kernel.name) m \(m) n \(n) k \(k) accumulate \(accumulate) packed \(packingA) bias \(withBias) addend \(withAddend) relu \(relu)",
                                 file: file, line: line)
    }

    var kernels: [GemmKernel] { GemmKernel.allCases.filter(\.isSupported) }

    func testPortableKernelIsAlwaysSupported() {
        XCTAssertTrue(GemmKernel.portable.isSupported)
        XCTAssertTrue(GemmKernel.current.isSupported)
    }

    func testOddShapesOnEveryKernel() {
        var rng = SplitMix64(seed: 31)
        let sizes = [1, 2, 5, 6, 7, 8, 9, 13, 16, 17, 31, 33, 47]
        for kernel in kernels {
            for _ in 0..<40 {
                let m = sizes[rng.nextInt(in: 0...(sizes.count - 1))], n = sizes[rng.nextInt(in: 0...(sizes.count - 1))]
                let k = sizes[rng.nextInt(in: 0...(sizes.count - 1))]
                check(kernel, m: m, n: n, k: k, accumulate: rng.nextBool(), packingA: rng.nextBool(), rng: &rng)
            }
        }
    }

    func testBlockEdges() {
        // Depth past KC (256), rows past MC (64/72), columns past NC (2048).
        var rng = SplitMix64(seed: 32)
        for kernel in kernels {
            for packed in [false, true] {
                check(kernel, m: 150, n: 37, k: 513, accumulate: false, packingA: packed, rng: &rng)
                check(kernel, m: 21, n: 2051, k: 19, accumulate: true, packingA: packed, rng: &rng)
                check(kernel, m: 64, n: 70, k: 256, accumulate: true, packingA: packed, rng: &rng)
            }
        }
    }

    func testZeroDepthOverwritesOrKeeps() {
        var rng = SplitMix64(seed: 33)
        for kernel in kernels {
            check(kernel, m: 3, n: 5, k: 0, accumulate: false, packingA: false, rng: &rng)
            check(kernel, m: 3, n: 5, k: 0, accumulate: true, packingA: true, rng: &rng)
        }
    }

    func testBiasAndReLUEpilogueOnEveryKernel() {
        // Edge tiles (rows and columns not multiples of the micro-tile), several depth blocks
        // (the epilogue only after the last), accumulate, and bias or ReLU alone.
        var rng = SplitMix64(seed: 34)
        let sizes = [1, 5, 8, 9, 17, 33, 47]
        for kernel in kernels {
            for packed in [false, true] {
                for (withBias, relu) in [(true, true), (true, false), (false, true)] {
                    for _ in 0..<6 {
                        let m = sizes[rng.nextInt(in: 0...(sizes.count - 1))], n = sizes[rng.nextInt(in: 0...(sizes.count - 1))]
                        check(kernel, m: m, n: n, k: rng.nextInt(in: 1...40), accumulate: rng.nextBool(), packingA: packed,
                              bias: withBias, relu: relu, rng: &rng)
                    }
                    check(kernel, m: 40, n: 70, k: 600, accumulate: true, packingA: packed, bias: withBias, relu: relu, rng: &rng)
                    check(kernel, m: 130, n: 75, k: 0, accumulate: true, packingA: packed, bias: withBias, relu: relu, rng: &rng)
                }
            }
        }
    }

    func testAddendEpilogueOnEveryKernel() {
        // A residual shortcut added in the store: edge tiles, several depth blocks (added only
        // after the last), column blocks of the packed driver (n past 1 MiB / k), accumulate,
        // with and without bias and ReLU.
        var rng = SplitMix64(seed: 35)
        let sizes = [1, 7, 8, 9, 31, 33, 50]
        for kernel in kernels {
            for packed in [false, true] {
                for (withBias, relu) in [(true, true), (false, false), (false, true)] {
                    for _ in 0..<5 {
                        let m = sizes[rng.nextInt(in: 0...(sizes.count - 1))], n = sizes[rng.nextInt(in: 0...(sizes.count - 1))]
                        check(kernel, m: m, n: n, k: rng.nextInt(in: 1...40), accumulate: rng.nextBool(), packingA: packed,
                              bias: withBias, addend: true, relu: relu, rng: &rng)
                    }
                    check(kernel, m: 40, n: 70, k: 600, accumulate: false, packingA: packed, bias: withBias, addend: true, relu: relu, rng: &rng)
                    check(kernel, m: 20, n: 300, k: 1100, accumulate: true, packingA: packed, bias: withBias, addend: true, relu: relu, rng: &rng)
                    check(kernel, m: 13, n: 21, k: 0, accumulate: true, packingA: packed, bias: withBias, addend: true, relu: relu, rng: &rng)
                }
            }
        }
    }

    func testPackedOperandColumnBlocks() {
        // With A packed beforehand, B is packed over its whole depth in column blocks of about
        // 1 MiB: several blocks (k 4000: 64 columns each, the last one ragged), and depths so large
        // that a block is one micro-panel wide.
        var rng = SplitMix64(seed: 35)
        for kernel in kernels {
            check(kernel, m: 12, n: 150, k: 4000, accumulate: true, packingA: true, bias: true, relu: true, rng: &rng)
            check(kernel, m: 9, n: 70, k: 9000, accumulate: false, packingA: true, bias: true, relu: false, rng: &rng)
        }
    }
}
