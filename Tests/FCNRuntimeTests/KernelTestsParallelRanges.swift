// Guided sharing of work between threads (Kernels.parallelRanges): every index exactly once, ranges
// within their bounds, large ones first, worker numbers in range and never running twice at once,
// and a worker that is slowed down takes less. Then the convolutions that use it: a 1x1 conv's
// GEMM blocks and a strided conv's bands of rows give the same result at any thread count.

import Synchronization
import XCTest
@testable import FCNRuntime
import FCNPlan
import FCNTestSupport

final class KernelTestsParallelRanges: XCTestCase {
    /// Every range parallelRanges hands out, with the worker that ran it, in the order taken.
    func takenRanges(_ count: Int, workers: Int, minimum: Int, maximum: Int,
                     slow: (worker: Int, micros: UInt32)? = nil) -> [(worker: Int, range: Range<Int>)] {
        let taken = Mutex<[(worker: Int, range: Range<Int>)]>([])
        let running = Mutex<Set<Int>>([])
        Kernels.parallelRanges(count, workers: workers, minimum: minimum, maximum: maximum) { worker, range in
            let fresh = running.withLock { $0.insert(worker).inserted }
            XCTAssertTrue(fresh, "worker \(worker) runs twice at once")
            taken.withLock { $0.append((worker, range)) }
            if let slow, slow.worker == worker { usleep(slow.micros) }
            _ = running.withLock { $0.remove(worker) }
        }
        return taken.withLock { $0 }
    }

    func testEveryIndexOnceWithinTheBounds() {
        // (count, workers, minimum, maximum)
        let cases = [(1, 2, 1, Int.max), (2, 2, 1, Int.max), (7, 3, 1, 2), (10, 2, 4, 4), (11, 2, 2, 4), (264, 2, 4, Int.max),
                     (289, 3, 1, 4), (1000, 5, 7, 50), (5, 8, 1, 1), (3, 2, 4, 8), (36, 2, 1, Int.max), (13, 1, 2, 3)]
        for (count, workers, minimum, maximum) in cases {
            let label = "count \(count) workers \(workers) minimum \(minimum) maximum \(maximum)"
            let taken = takenRanges(count, workers: workers, minimum: minimum, maximum: maximum)
            var covered = [Int](repeating: 0, count: count)
            let end = taken.map(\.range.upperBound).max()
            for (worker, range) in taken {
                XCTAssertTrue(worker >= 0 && worker < workers, "worker \(worker): \(label)")
                XCTAssertFalse(range.isEmpty, label)
                XCTAssertLessThanOrEqual(range.count, maximum, label)
                // Only the last range is smaller than the minimum: what is left when the one before
                // could not take it (it would have been over the maximum).
                if range.upperBound != end { XCTAssertGreaterThanOrEqual(range.count, minimum, label) }
                for i in range { covered[i] += 1 }
            }
            XCTAssertEqual(covered, [Int](repeating: 1, count: count), label)
        }
    }

    func testRangesShrinkFromLargeToSmall() {
        // Taken in order from the front: what remains over 2 x workers each time, so 1000 items
        // for 2 workers start with 250 and end with ranges of the minimum.
        let taken = takenRanges(1000, workers: 2, minimum: 8, maximum: Int.max).sorted { $0.range.lowerBound < $1.range.lowerBound }
        XCTAssertEqual(taken.first?.range, 0..<250)
        XCTAssertEqual(taken.last?.range.upperBound, 1000)
        // The last takes all that is left rather than leave less than the minimum behind.
        XCTAssertTrue((8..<16).contains(taken.last?.range.count ?? 0), "last \(String(describing: taken.last))")
        let sizes = taken.dropLast().map(\.range.count)
        XCTAssertEqual(sizes, sizes.sorted(by: >), "sizes \(sizes)")
        XCTAssertEqual(sizes.last, 8)
        XCTAssertLessThan(taken.count, 30, "guided, not one item at a time: \(sizes)")
    }

    func testASlowWorkerTakesLess() throws {
        // Worker 0 sleeps 10 ms per range: the other worker takes most of the work instead of an
        // even share (an even split would give worker 0 half of it).
        try XCTSkipIf(ProcessInfo.processInfo.activeProcessorCount < 2, "needs 2 CPUs to run workers side by side")
        let taken = takenRanges(400, workers: 2, minimum: 4, maximum: Int.max, slow: (0, 10_000))
        let slowItems = taken.filter { $0.worker == 0 }.map(\.range.count).reduce(0, +)
        XCTAssertLessThan(slowItems, 150, "the slowed worker took \(slowItems) of 400 (an even split: 200)")
        XCTAssertEqual(taken.map(\.range.count).reduce(0, +), 400)
    }

    func testPointwiseGemmBlocksGiveTheSameResultAtAnyThreadCount() {
        // 37 x 41 = 1517 columns: 95 column units of 16, shared out in guided blocks. Every column
        // is computed by the same single-threaded GEMM whatever block it falls in.
        var rng = SplitMix64(seed: 0x6_1DED)
        for (cin, cout, h, w) in [(20, 9, 37, 41), (3, 70, 9, 120), (64, 5, 1, 333), (8, 200, 3, 5)] {
            let p = ConvParams(inChannels: cin, outChannels: cout, kernel: 1)
            let input = WindowedCase.random(batch: 1, channels: cin, height: h, width: w, rng: &rng, alwaysDense: true)
            let weights = randomArray(p.weightCount, rng: &rng), bias = randomArray(cout, rng: &rng)
            let one = runPlainConv(input, weights: weights, bias: bias, params: p, scratchCount: 0, threads: 1)
            assertClose(one, Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: true), "\(p)")
            for threads in [2, 3, 5] {
                let got = runPlainConv(input, weights: weights, bias: bias, params: p, scratchCount: 0, threads: threads)
                XCTAssertEqual(got.values.map(\.bitPattern), one.values.map(\.bitPattern), "\(p) at \(threads) threads")
            }
        }
    }

    func testStridedConvBandsMatchTheNaiveConvAtSeveralThreadCounts() {
        // A 3x3 stride-2 conv (im2col, each worker its own bands of rows): 40 output rows shared
        // out guided, with scratch for a few rows per worker, so bands end in many places.
        var rng = SplitMix64(seed: 0xBA2D)
        let p = ConvParams(inChannels: 6, outChannels: 10, kernel: 3, stride: 2, pad: 1)
        let input = WindowedCase.random(batch: 2, channels: 6, height: 79, width: 23, rng: &rng)
        let weights = randomArray(p.weightCount, rng: &rng), bias = randomArray(10, rng: &rng)
        let want = Naive.conv2d(input.dense, weights: weights, bias: bias, params: p, relu: true)
        let (_, ow) = p.convOutputSize(height: 79, width: 23)
        for threads in [1, 2, 3, 4] {
            let got = runPlainConv(input, weights: weights, bias: bias, params: p,
                                   scratchCount: threads * 3 * 54 * ow, threads: threads)
            assertClose(got, want, "\(threads) threads")
        }
    }
}
