// Kernel namespace and shared plumbing: the global thread count (also applied to OpenBLAS),
// parallel loops over independent items (even chunks, or guided ranges for the convolutions'
// long steps), a Sendable pointer box, a row-major sgemm wrapper and integer division helpers
// for negative numerators.

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

    /// Calls `body(worker, range)` on disjoint ranges covering 0..<count, guided self-scheduling
    /// (as OpenMP's `guided`): `workers` workers (numbered 0..<workers, at most one running per
    /// number) each take the next range from a shared counter until none is left, a range being
    /// what remains over 2 x workers, within [minimum, maximum] (the last one left may be smaller
    /// when the one before could not take it without going over the maximum). Early ranges are large (few
    /// calls), the last ones small, so a worker on a slower core (a busy host's sibling thread,
    /// a vCPU whose host is loaded) takes less instead of holding the others at the end: an even
    /// split waits for the slowest. Ranges must not depend on which worker runs them.
    static func parallelRanges(_ count: Int, workers: Int, minimum: Int = 1, maximum: Int = .max,
                               _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        if count <= 0 { return }
        let low = max(1, minimum), high = max(low, maximum)
        let w = min(max(1, workers), (count + low - 1) / low)
        if w == 1 {
            var a = 0
            while a < count { let b = count - a <= high ? count : a + high; body(0, a..<b); a = b }
            return
        }
        let next = RangeCounter()
        withoutActuallyEscaping(body) { escapable in
            let box = SendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: w) { worker in
                WorkerTrace.span {
                    while let range = next.take(count: count, workers: w, minimum: low, maximum: high) {
                        box.value(worker, range)
                    }
                }
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

/// Where the untaken part of a parallelRanges loop starts, shared by its workers.
final class RangeCounter: Sendable {
    private let start = Atomic<Int>(0)

    /// The next range of 0..<count no other worker has taken (nil when all are): what remains
    /// over 2 x workers, within [minimum, maximum]; all that is left when that is at most
    /// `maximum` and taking less would leave under `minimum` behind.
    func take(count: Int, workers: Int, minimum: Int, maximum: Int) -> Range<Int>? {
        var a = start.load(ordering: .relaxed)
        while a < count {
            let left = count - a
            var n = min(left, maximum, max(minimum, left / (2 * workers)))
            if left - n < minimum && left <= maximum { n = left }
            let (exchanged, original) = start.compareExchange(expected: a, desired: a + n, ordering: .relaxed)
            if exchanged { return a..<(a + n) }
            a = original
        }
        return nil
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
