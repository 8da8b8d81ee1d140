// The plan's invariants, checked after every pass in debug builds and by the tests
// (tinygrad's spec.py idea): every input is the network input or an earlier step's
// output, read at the shape it was written with; windows lie inside their buffers; shapes are positive; after memory planning,
// no two values that are alive at the same time share bytes of the arena.

public enum VerifyPlan {
    public static func problems(_ plan: Plan) -> [String] {
        var out: [String] = []
        var produced: Set<Int> = [0]
        var shapes: [Int: [Int]] = [0: plan.input]
        for (i, s) in plan.steps.enumerated() {
            for inp in s.inputs {
                if !produced.contains(inp.value) { out.append("step \(i) '\(s.name)' reads v\(inp.value) before it is written") }
                if let shape = shapes[inp.value], shape != inp.shape {
                    out.append("step \(i) '\(s.name)' reads v\(inp.value) as \(inp.shape), but it is \(shape)")
                }
                if let w = inp.window, w.y < 0 || w.x < 0 || w.h < 1 || w.w < 1 || w.y + w.h > inp.shape[1] || w.x + w.w > inp.shape[2] {
                    out.append("step \(i) '\(s.name)' reads window \(w) outside its \(inp.shape) input")
                }
            }
            if s.shape.contains(where: { $0 < 1 }) { out.append("step \(i) '\(s.name)' has shape \(s.shape)") }
            if !produced.insert(s.value).inserted { out.append("v\(s.value) written twice") }
            shapes[s.value] = s.shape
        }
        if !produced.contains(plan.outputValue) { out.append("the output v\(plan.outputValue) is never written") }
        if !plan.slots.isEmpty { out += overlaps(plan) }
        return out
    }

    /// Pairs of values alive at the same step whose arena byte ranges intersect.
    static func overlaps(_ plan: Plan) -> [String] {
        struct Life { var value: Int; var def: Int; var last: Int; var lo: Int; var hi: Int; var name: String }
        var lives: [Int: Life] = [:]
        func range(_ slot: Int?, _ shape: [Int]) -> (Int, Int) {
            guard let slot, slot < plan.slots.count else { return (0, 0) }
            let o = plan.slots[slot].offset
            return (o, o + shape.reduce(4, *))
        }
        let (ilo, ihi) = range(plan.inputSlot, plan.input)
        lives[0] = Life(value: 0, def: -1, last: -1, lo: ilo, hi: ihi, name: "input")
        for (i, s) in plan.steps.enumerated() {
            let (lo, hi) = range(s.slot, s.shape)
            if s.slot == nil || hi > (plan.slots[s.slot!].offset + plan.slots[s.slot!].bytes) { return ["step \(i) '\(s.name)' does not fit its slot"] }
            lives[s.value] = Life(value: s.value, def: i, last: i, lo: lo, hi: hi, name: s.name)
            for inp in s.inputs { lives[inp.value]?.last = i }
        }
        lives[plan.outputValue]?.last = plan.steps.count
        func inPlace(_ step: Int, over value: Int) -> Bool {
            step >= 0 && step < plan.steps.count && plan.steps[step].inPlace && plan.steps[step].inputs[0].value == value
        }
        var out: [String] = []
        let all = lives.values.sorted { $0.value < $1.value }
        for a in all.indices {
            for b in all.indices where b > a {
                let x = all[a], y = all[b]
                // In place: a step may overwrite the input it reads for the last time.
                let handOff = (x.last == y.def && inPlace(y.def, over: x.value)) || (y.last == x.def && inPlace(x.def, over: y.value))
                let timeOverlap = x.def <= y.last && y.def <= x.last && !handOff
                if timeOverlap, x.lo < y.hi, y.lo < x.hi {
                    out.append("'\(x.name)' and '\(y.name)' are alive together but share arena bytes")
                }
            }
        }
        return out
    }
}
