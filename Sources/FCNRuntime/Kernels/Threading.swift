// Kernel namespace and shared plumbing: the global thread count (also applied to OpenBLAS),
// chunked parallel loops over independent items, a Sendable pointer box, a row-major sgemm
// wrapper and integer division helpers for negative numerators.

import COpenBLAS
import Dispatch
import Synchronization

/// CPU kernels on raw NCHW float buffers. All functions are static; see the per-op files.
public enum Kernels {
    private static let threadCount = Atomic<Int>(1)
    private static let blasThreadCount = Atomic<Int>(0)

    /// Default thread count of every kernel (`threads:` parameters default to it).
    public static var threads: Int { threadCount.load(ordering: .relaxed) }

    /// Sets the default thread count of all kernels and of OpenBLAS.
    public static func setThreads(_ n: Int) {
        let t = max(1, n)
        threadCount.store(t, ordering: .relaxed)
        applyBLASThreads(t)
    }

    /// Makes OpenBLAS use `n` threads (only calls into OpenBLAS when the count changes).
    static func applyBLASThreads(_ n: Int) {
        let t = max(1, n)
        if blasThreadCount.exchange(t, ordering: .relaxed) != t {
            openblas_set_num_threads(Int32(t))
        }
    }

    /// Calls `body` on disjoint, contiguous sub-ranges covering 0..<count, concurrently when threads > 1.
    static func parallelChunks(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = min(max(1, threads), count)
        if chunks == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { escapable in
            let box = SendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { t in
                WorkerTrace.span { box.value((count * t / chunks)..<(count * (t + 1) / chunks)) }
            }
        }
    }

    /// Calls `body(i)` for each i in 0..<count, split over `threads` workers.
    @inline(__always)
    static func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        parallelChunks(count, threads: threads) { range in
            for i in range { body(i) }
        }
    }

    /// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C. Plain products
    /// (no transposes, alpha 1, beta 0 or 1) run on fcngc's own kernel (Gemm.swift), the rest
    /// on OpenBLAS.
    @inline(__always)
    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if !transA && !transB && alpha == 1 && (beta == 0 || beta == 1) && !gemmUsesOpenBLAS {
            ownGemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, accumulate: beta == 1, c: c, ldc: ldc)
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }
}

/// Wraps a value (raw pointers, closures) that is shared across worker threads on disjoint ranges.
struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// floor(a / b) for b > 0 and any sign of a.
@inline(__always)
func floorDiv(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

/// ceil(a / b) for b > 0 and any sign of a.
@inline(__always)
func ceilDiv(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? (a + b - 1) / b : -((-a) / b)
}
