// Memory planning: liveness, slot reuse, in-place steps and bounded scratch.
//
// 1. Liveness: a value lives from the step that writes it to the last step that reads it
//    (the network input from before step 0, the output to the end).
// 2. In place: a step whose kind can run in place (StepKind.canRunInPlace: sum, ReLU, scale)
//    may write over its first input when that input is a whole buffer of the output's shape
//    and this step is its last reader.
// 3. Slots (TVM's token allocator): walking the steps in order, values whose last reader
//    has run free their slot; a new value takes the smallest free slot that fits, else the
//    largest free slot (grown), else a new slot. Slots are laid end to end (64-byte aligned)
//    in one arena; a value's bytes never overlap a live value's.
// 4. Scratch: im2col (conv) and column buffers (learned deconv) are tiled so no step needs
//    more than ScratchRules.budgetBytes (a whole im2col of conv1_2 at 500x500 would be
//    1.1 GB); each step records what its kernel will use (the kernels tile by the same
//    rules), and one scratch area, sized for the largest step, serves all steps.

import FCNPlan

public enum PlanMemoryPass {
    public static let name = "plan-memory"
    static let align = 64

    static func bytes(_ shape: [Int]) -> Int { shape.reduce(4, *) }
    static func aligned(_ n: Int) -> Int { (n + align - 1) / align * align }

    public static func run(_ plan: inout Plan) {
        assignScratch(&plan)
        let n = plan.steps.count
        let lastUse = Liveness.lastUse(plan)
        var size: [Int: Int] = [:]
        for i in plan.inputs { size[i.value] = bytes(i.shape) }
        for s in plan.steps { size[s.value] = bytes(s.shape) }

        var slotOf: [Int: Int] = [:]
        var slotBytes: [Int] = []
        var free: Set<Int> = []
        func allocate(_ need: Int) -> Int {
            if let best = free.filter({ slotBytes[$0] >= need }).min(by: { (slotBytes[$0], $0) < (slotBytes[$1], $1) }) {
                free.remove(best); return best
            }
            if let grow = free.max(by: { (slotBytes[$0], -$0) < (slotBytes[$1], -$1) }) {
                free.remove(grow); slotBytes[grow] = need; return grow
            }
            slotBytes.append(need)
            return slotBytes.count - 1
        }
        for i in plan.inputs { slotOf[i.value] = allocate(size[i.value]!) }
        for i in 0..<n {
            let s = plan.steps[i]
            let first = s.inputs[0]
            if s.kind.canRunInPlace, first.window == nil, first.shape == s.shape,
               lastUse[first.value] == i, !plan.isInput(first.value), let slot = slotOf[first.value] {
                slotOf[s.value] = slot
                plan.steps[i].inPlace = true
            } else {
                slotOf[s.value] = allocate(size[s.value]!)
            }
            // A value nothing reads (and not the output) is dead as soon as it is written.
            if lastUse[s.value] == i, !plan.isOutput(s.value), let slot = slotOf[s.value], !plan.steps[i].inPlace {
                free.insert(slot)
            }
            // Values whose last reader was this step free their slot (unless taken over in place).
            for v in Set(s.inputs.map(\.value)) where lastUse[v] == i {
                if let slot = slotOf[v], slot != slotOf[s.value] { free.insert(slot) }
            }
        }
        var offset = 0
        plan.slots = slotBytes.enumerated().map { id, b in
            defer { offset += aligned(b) }
            return Slot(id: id, offset: offset, bytes: b)
        }
        for k in plan.inputs.indices { plan.inputs[k].slot = slotOf[plan.inputs[k].value] }
        for i in plan.steps.indices {
            plan.steps[i].slot = slotOf[plan.steps[i].value]
            for j in plan.steps[i].inputs.indices { plan.steps[i].inputs[j].slot = slotOf[plan.steps[i].inputs[j].value] }
        }
        var peak = plan.inputs.reduce(0) { $0 + size[$1.value]! }
        for i in 0..<n {
            var live = 0
            for (v, b) in size {
                let def = plan.isInput(v) ? -1 : (plan.steps.firstIndex { $0.value == v } ?? -1)
                if def <= i, (lastUse[v] ?? -1) >= i, !(plan.steps[i].inPlace && v == plan.steps[i].value) { live += b }
            }
            peak = max(peak, live)
        }
        let weights = plan.steps.flatMap(\.weights).reduce(0) { $0 + $1.shape.reduce(4, *) }
        plan.memory = MemoryReport(arenaBytes: offset, peakLiveBytes: peak, noReuseBytes: size.values.reduce(0, +),
                                   scratchBytes: plan.steps.map(\.scratchBytes).max() ?? 0, weightBytes: weights)
    }

    /// Scratch bytes of each step: what its kernel will use, by the one rule (ScratchRules).
    static func assignScratch(_ plan: inout Plan) {
        for i in plan.steps.indices { plan.steps[i].scratchBytes = VerifyPlan.scratchFloats(plan.steps[i]) * 4 }
    }
}
