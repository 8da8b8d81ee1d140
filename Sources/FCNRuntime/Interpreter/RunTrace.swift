// `fcngc run --trace trace.json`: a run as a Chrome trace (the Trace Event Format's JSON
// object form, which Perfetto and chrome://tracing open). One track "steps" holds one
// complete ("X") slice per step with its name, op, source layers and their spec locations,
// MACs and achieved GFLOP/s (2 x MACs / duration, times the batch) and the CPU time the whole
// process used meanwhile (all threads: on a shared machine a step that waited for the CPU shows
// a wall time above its CPU time at 1 thread); one track per OS thread
// holds a slice per piece of a step that the kernels split over workers (WorkerTrace); a
// counter ("C") track "live arena" gives the bytes alive while each step runs (from the
// memory plan), with one more sample, the output's bytes, when the last step ends.
// Timestamps are microseconds since the first step started.

import Dispatch
import FCNPlan
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Pieces of work the kernels ran on worker threads, recorded only while a trace is on.
public enum WorkerTrace {
    struct Span { var thread: UInt; var start: UInt64; var end: UInt64 }
    private static let enabled = Atomic<Bool>(false)
    private static let spans = Mutex<[Span]>([])

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// CPU time of the whole process (every thread), nanoseconds.
    static func processCPU() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Marks the start of a worker's piece of a split kernel (0 when no trace is on).
    @inline(__always) static func begin() -> UInt64 { enabled.load(ordering: .relaxed) ? now() : 0 }

    /// Marks the end of the piece that `begin` returned `start` for.
    @inline(__always) static func end(_ start: UInt64) {
        guard start != 0 else { return }
        let span = Span(thread: UInt(pthread_self()), start: start, end: now())
        spans.withLock { $0.append(span) }
    }

    /// Runs `body` as one traced piece.
    @inline(__always) static func span(_ body: () -> Void) {
        let t0 = begin()
        body()
        end(t0)
    }

    static func start() { spans.withLock { $0.removeAll() }; enabled.store(true, ordering: .relaxed) }
    static func stop() -> [Span] { enabled.store(false, ordering: .relaxed); return spans.withLock { s in defer { s.removeAll() }; return s } }
}

/// Records the steps of every run of an executable while attached, then writes Chrome trace JSON.
public final class RunTrace {
    struct StepSpan { var index: Int; var start: UInt64; var end: UInt64; var cpu: UInt64 }
    private var steps: [StepSpan] = []
    private var workers: [WorkerTrace.Span] = []
    private var pendingStart: UInt64 = 0, pendingCPU: UInt64 = 0
    private var interpreterThread: UInt = 0

    /// The track of the step slices (a made-up thread id; thread tracks follow it).
    static let stepsTrack = 1

    public init() {}

    /// Starts recording: every step `exe` runs from now on until `detach`.
    public func attach(to exe: Executable) {
        interpreterThread = UInt(pthread_self())
        WorkerTrace.start()
        exe.willRunStep = { [unowned self] _ in
            self.pendingCPU = WorkerTrace.processCPU()
            self.pendingStart = WorkerTrace.now()
        }
        exe.observer = { [unowned self] i, _, _ in
            let end = WorkerTrace.now()
            self.steps.append(StepSpan(index: i, start: self.pendingStart, end: end, cpu: WorkerTrace.processCPU() &- self.pendingCPU))
        }
    }

    public func detach(from exe: Executable) {
        exe.willRunStep = nil
        exe.observer = nil
        workers += WorkerTrace.stop()
    }

    /// The trace as JSON. `liveBytes[i]`: activation bytes alive while step i runs (one image).
    public func json(plan: Plan, batch: Int, liveBytes: [Int]) -> String {
        let origin = steps.first?.start ?? 0
        func us(_ t: UInt64) -> String { TraceJSON.number(Double(t &- origin) / 1000) }
        var events: [String] = [
            TraceJSON.object(["name": .string("process_name"), "ph": .string("M"), "pid": .int(1), "tid": .int(Self.stepsTrack),
                              "args": .raw(TraceJSON.object(["name": .string("fcngc run \(plan.model)")]))]),
            TraceJSON.object(["name": .string("thread_name"), "ph": .string("M"), "pid": .int(1), "tid": .int(Self.stepsTrack),
                              "args": .raw(TraceJSON.object(["name": .string("steps")]))]),
            TraceJSON.object(["name": .string("thread_sort_index"), "ph": .string("M"), "pid": .int(1), "tid": .int(Self.stepsTrack),
                              "args": .raw(TraceJSON.object(["sort_index": .int(Self.stepsTrack)]))]),
        ]
        // Worker threads in order of first appearance; the interpreter's own thread first.
        var threadIDs: [UInt: Int] = [:]
        for t in [interpreterThread] + workers.sorted(by: { $0.start < $1.start }).map(\.thread) where threadIDs[t] == nil {
            let tid = Self.stepsTrack + threadIDs.count + 1
            threadIDs[t] = tid
            let name = t == interpreterThread ? "interpreter thread (its share of split work)" : "worker thread \(tid - Self.stepsTrack - 1)"
            events.append(TraceJSON.object(["name": .string("thread_name"), "ph": .string("M"), "pid": .int(1), "tid": .int(tid),
                                            "args": .raw(TraceJSON.object(["name": .string(name)]))]))
            events.append(TraceJSON.object(["name": .string("thread_sort_index"), "ph": .string("M"), "pid": .int(1), "tid": .int(tid),
                                            "args": .raw(TraceJSON.object(["sort_index": .int(tid)]))]))
        }
        for span in steps {
            let s = plan.steps[span.index]
            let ns = max(span.end &- span.start, 1)
            let macs = s.macs * batch
            var args: [String: TraceJSON.Value] = [
                "step": .int(span.index), "op": .string(s.kind.rawValue + s.attributes.fusedSuffix),
                "sources": .string(s.sources.map(\.name).joined(separator: "+")),
                "source locations": .raw("[" + s.sources.map { TraceJSON.quote($0.location) }.joined(separator: ",") + "]"),
                "output": .string((s.shape.map(String.init)).joined(separator: "x")), "batch": .int(batch), "MACs": .int(macs),
                "CPU ms": .raw(TraceJSON.number(Double(span.cpu) / 1e6)),
            ]
            if macs > 0 { args["GFLOP/s"] = .raw(TraceJSON.number(2 * Double(macs) / Double(ns))) }
            let name = s.sources.map(\.name).joined(separator: "+")
            events.append(TraceJSON.object(["name": .string(name), "cat": .string("step"), "ph": .string("X"), "pid": .int(1), "tid": .int(Self.stepsTrack),
                                            "ts": .raw(us(span.start)), "dur": .raw(TraceJSON.number(Double(ns) / 1000)), "args": .raw(TraceJSON.object(args))]))
            if span.index < liveBytes.count {
                events.append(TraceJSON.object(["name": .string("live arena"), "ph": .string("C"), "pid": .int(1), "tid": .int(Self.stepsTrack), "ts": .raw(us(span.start)),
                                                "args": .raw(TraceJSON.object(["bytes": .int(liveBytes[span.index] * batch)]))]))
            }
            // The pieces of this step that ran on worker threads.
            for w in workers where w.start >= span.start && w.end <= span.end {
                events.append(TraceJSON.object(["name": .string(name), "cat": .string("worker"), "ph": .string("X"), "pid": .int(1),
                                                "tid": .int(threadIDs[w.thread] ?? Self.stepsTrack), "ts": .raw(us(w.start)),
                                                "dur": .raw(TraceJSON.number(Double(max(w.end &- w.start, 1)) / 1000)),
                                                "args": .raw(TraceJSON.object(["step": .int(span.index)]))]))
            }
        }
        if let last = steps.last {
            let outBytes = plan.outputStep.map { $0.shape.reduce(4, *) } ?? 0
            events.append(TraceJSON.object(["name": .string("live arena"), "ph": .string("C"), "pid": .int(1), "tid": .int(Self.stepsTrack), "ts": .raw(us(last.end)),
                                            "args": .raw(TraceJSON.object(["bytes": .int(outBytes * batch)]))]))
        }
        return "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n" + events.joined(separator: ",\n") + "\n]}\n"
    }
}

/// Just enough JSON writing for trace events: keys in a fixed (sorted) order, numbers without
/// locale, strings escaped.
enum TraceJSON {
    enum Value { case string(String), int(Int), raw(String) }

    static let escapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\t": "\\t"]

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            if let escaped = escapes[u] {
                out += escaped
            } else if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() && abs(r) < 1e15 ? String(Int(r)) : String(r)
    }

    static func object(_ fields: [String: Value]) -> String {
        "{" + fields.keys.sorted().map { k in
            let v: String
            switch fields[k]! {
            case .string(let s): v = quote(s)
            case .int(let i): v = String(i)
            case .raw(let r): v = r
            }
            return quote(k) + ":" + v
        }.joined(separator: ",") + "}"
    }
}
