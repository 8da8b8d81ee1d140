// The memory of a plan over time, as a reviewer asks about it: how many activation bytes are
// alive while each step runs, where the peak is, which buffers are alive at the peak and who
// keeps each alive (the last step that still reads it — FCN-8s' pool3/pool4 taps live until
// their score layers run), and which value occupies which arena slot when (slots as lanes).
//
// Liveness is PlanMemoryPass's (FCNPlan's Liveness.lastUse): a value lives from the step that writes it to the last step
// that reads it (the network input from before step 0, the output to the end); a step that
// writes in place shares its input's bytes. So `peakBytes` equals `plan.memory.peakLiveBytes`.
// Sizes are per image, like the plan's.

import FCNPlan

public struct MemoryTimeline: Codable, Sendable {
    public struct Buffer: Codable, Sendable {
        /// The value id (0: the network input) and its name: the layer whose value it is
        /// (`Plan.outputLayer(of:)`), as the plan dump's inputs column names it.
        public var value: Int
        public var name: String
        public var bytes: Int
        public var slot: Int?
        /// Step that writes it (-1: the network input) and the last step that reads it
        /// (`steps.count`: it is the network output, alive to the end).
        public var writtenBy: Int
        public var lastReader: Int
        /// Steps that read it, in order.
        public var readers: [Int]
        /// Written over its first input's bytes (no bytes of its own).
        public var inPlace: Bool
    }

    public var buffers: [Buffer]
    /// Bytes alive while step i runs (its inputs, its output, and everything kept for later).
    public var liveBytes: [Int]
    public var peakStep: Int
    public var peakBytes: Int

    public init(_ plan: Plan) {
        let n = plan.steps.count
        var names = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0.value, $0.name) })
        for s in plan.steps { names[s.value] = plan.outputLayer(of: s) }
        var readers: [Int: [Int]] = [:]
        for (i, s) in plan.steps.enumerated() {
            for v in Set(s.inputs.map(\.value)).sorted() { readers[v, default: []].append(i) }
        }
        let lastUse = Liveness.lastUse(plan)
        func lastReader(_ v: Int, writtenBy: Int) -> Int { lastUse[v] ?? writtenBy }
        var buffers = plan.inputs.map { i in
            Buffer(value: i.value, name: i.name, bytes: i.shape.reduce(4, *), slot: i.slot, writtenBy: -1,
                   lastReader: lastReader(i.value, writtenBy: -1), readers: readers[i.value] ?? [], inPlace: false)
        }
        for (i, s) in plan.steps.enumerated() {
            buffers.append(Buffer(value: s.value, name: names[s.value] ?? s.name, bytes: s.shape.reduce(4, *), slot: s.slot,
                                  writtenBy: i, lastReader: lastReader(s.value, writtenBy: i), readers: readers[s.value] ?? [],
                                  inPlace: s.inPlace))
        }
        self.buffers = buffers
        var live = [Int](repeating: 0, count: n)
        for i in 0..<n {
            live[i] = buffers.filter { $0.writtenBy <= i && $0.lastReader >= i && !($0.inPlace && $0.writtenBy == i) }
                .reduce(0) { $0 + $1.bytes }
        }
        liveBytes = live
        // The first step at the largest total (the input alone, before step 0, is never more:
        // step 0 reads it).
        peakStep = live.indices.max { (live[$0], -$0) < (live[$1], -$1) } ?? 0
        peakBytes = max(buffers[0].bytes, live.isEmpty ? 0 : live[peakStep])
    }

    /// Buffers alive while step `i` runs (in-place outputs counted once, under their input).
    public func alive(at i: Int) -> [Buffer] {
        buffers.filter { $0.writtenBy <= i && $0.lastReader >= i && !($0.inPlace && $0.writtenBy == i) }
    }

    /// Why `b` is alive at step `i`, in words.
    public func keeper(_ b: Buffer, at i: Int, plan: Plan) -> String {
        if b.writtenBy == i { return "written by this step" }
        if b.lastReader >= plan.steps.count { return "the network output" }
        if b.lastReader == i { return "read by this step (freed after it)" }
        let later = b.readers.filter { $0 > i }
        let names = later.map { "#\($0) \(plan.steps[$0].name)" }
        return "still read by " + names.joined(separator: ", ")
    }
}
