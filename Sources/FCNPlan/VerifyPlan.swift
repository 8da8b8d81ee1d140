// The plan's invariants. The compiler checks them after every plan pass (debug builds and
// tests, tinygrad's spec.py idea); the runtime checks them before it runs a plan, which may
// come from a file, so nothing a kernel relies on is left to trust:
//  - every input is a network input or an earlier step's output, read at its shape; the
//    network inputs are values 0 ..< inputs.count, share a height and width, and every
//    output is written by a step;
//  - windows lie inside their buffers; shapes are positive and addressable;
//  - each kind carries the attributes it needs (StepKind.required), with sane values; a conv
//    reads a second input only as the shortcut of a fused residual sum (of its output's shape);
//  - each output shape is what the one output-size rule gives for its input (and window);
//  - weights have the shapes the geometry implies;
//  - with `forRunning`: a memory plan exists, every value fits its slot, slots fit the arena,
//    the scratch area holds what each step's kernel will use, and no two values alive at the
//    same time share arena bytes (a conv's output and the shortcut it adds included).

public enum VerifyPlan {
    /// Largest element count of one tensor (a BLAS dimension is an Int32).
    public static let maxElements = Int(Int32.max)

    public static func problems(_ plan: Plan, forRunning: Bool = false) -> [String] {
        var out: [String] = []
        guard !plan.inputs.isEmpty, !plan.outputs.isEmpty else { return ["the plan has no inputs or no outputs"] }
        for (k, i) in plan.inputs.enumerated() {
            guard valid(i.shape) else { return ["the plan's input '\(i.name)' \(i.shape) is not a C x H x W shape"] }
            guard i.value == k else { return ["the plan's input '\(i.name)' is v\(i.value), expected v\(k)"] }
            guard i.shape[1] == plan.input[1], i.shape[2] == plan.input[2] else {
                return ["the plan's inputs differ in size (\(plan.input) and \(i.shape)): all inputs share one height and width"]
            }
        }
        for o in plan.outputs where !valid(o.shape) { return ["the plan's output '\(o.name)' \(o.shape) is not a C x H x W shape"] }
        var produced = Set(plan.inputs.map(\.value))
        var shapes = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0.value, $0.shape) })
        for (i, s) in plan.steps.enumerated() {
            let at = "step \(i) '\(s.name)'"
            guard valid(s.shape) else { out.append("\(at) has shape \(s.shape)"); continue }
            guard s.kind.required.inputs.contains(s.inputs.count) else {
                out.append("\(at) (\(s.kind.rawValue)) reads \(s.inputs.count) inputs"); continue
            }
            var inputsOK = true
            for inp in s.inputs {
                if !produced.contains(inp.value) { out.append("\(at) reads v\(inp.value) before it is written"); inputsOK = false }
                if let shape = shapes[inp.value], shape != inp.shape {
                    out.append("\(at) reads v\(inp.value) as \(inp.shape), but it is \(shape)"); inputsOK = false
                }
                if !valid(inp.shape) { out.append("\(at) reads shape \(inp.shape)"); inputsOK = false; continue }
                if let w = inp.window, w.y < 0 || w.x < 0 || w.h < 1 || w.w < 1 || w.y > inp.shape[1] - w.h || w.x > inp.shape[2] - w.w {
                    out.append("\(at) reads window \(w) outside its \(inp.shape) input"); inputsOK = false
                }
            }
            if !produced.insert(s.value).inserted { out.append("v\(s.value) written twice") }
            shapes[s.value] = s.shape
            if inputsOK { out += checkStep(s, at: at) }
        }
        for (o, step) in zip(plan.outputs, plan.outputSteps) {
            guard let step else { out.append("the output '\(o.name)' (v\(o.value)) is never written"); continue }
            if step.shape != o.shape { out.append("the output '\(o.name)' step writes \(step.shape), the plan says \(o.shape)") }
        }
        // Memory is checked only on a well-formed step list (its byte counts rely on valid shapes).
        if !out.isEmpty { return out }
        if forRunning { out += memory(plan) }
        if !out.isEmpty { return out }
        if !plan.slots.isEmpty { out += overlaps(plan) }
        return out
    }

    static func valid(_ shape: [Int]) -> Bool {
        guard shape.count == 3, shape.allSatisfy({ $0 >= 1 && $0 <= maxElements }) else { return false }
        let (hw, o1) = shape[1].multipliedReportingOverflow(by: shape[2])
        let (n, o2) = hw.multipliedReportingOverflow(by: shape[0])
        return !o1 && !o2 && n <= maxElements
    }

    /// The shape a step reads from its first input (its window, if any).
    static func readShape(_ inp: StepInput) -> [Int] {
        inp.window.map { [inp.shape[0], $0.h, $0.w] } ?? inp.shape
    }

    static func checkStep(_ s: Step, at: String) -> [String] {
        let a = s.attributes, need = s.kind.required, x = readShape(s.inputs[0])
        var out: [String] = []
        if need.geometry {
            guard let g = a.geometry, g.kernel.count == 2, g.stride.count == 2, g.pad.count == 2, g.dilation.count == 2,
                  (g.kernel + g.stride + g.dilation).allSatisfy({ (1...(1 << 20)).contains($0) }),
                  g.pad.allSatisfy({ (0...(1 << 20)).contains($0) }) else {
                return ["\(at) (\(s.kind.rawValue)) needs kernel, stride, pad and dilation per axis, in range"]
            }
            var full = [s.shape[0], 0, 0]
            for axis in 0..<2 {
                switch OutputSize.of(s.kind, a, axis: axis, input: x[axis + 1]) {
                case .success(let n)?: full[axis + 1] = n
                case .failure?, nil: return ["\(at) has no valid output for its \(x) input"]
                }
            }
            if let w = s.outputWindow {
                if [.deconv, .upsample].contains(s.kind) == false { out.append("\(at): only an upsampling computes an output window") }
                if w.y < 0 || w.x < 0 || w.h != s.shape[1] || w.w != s.shape[2] || w.y > full[1] - w.h || w.x > full[2] - w.w {
                    out.append("\(at) computes window \(w) of its \(full) output as \(s.shape)")
                }
            } else if full != s.shape {
                out.append("\(at) writes \(s.shape), but its \(x) input gives \(full)")
            }
        } else if s.kind == .resize {
            if x[0] != s.shape[0] || s.attributes.alignCorners == nil { out.append("\(at) resizes \(x) to \(s.shape) (channels must stay; alignCorners must be given)") }
        } else if s.kind == .concat {
            let reads = s.inputs.map(readShape)
            if reads.contains(where: { $0[1] != s.shape[1] || $0[2] != s.shape[2] }) || reads.reduce(0, { $0 + $1[0] }) != s.shape[0] {
                out.append("\(at) joins \(reads) into \(s.shape)")
            }
        } else {
            for inp in s.inputs where readShape(inp) != s.shape { out.append("\(at) reads \(readShape(inp)) but writes \(s.shape)") }
        }
        if need.group {
            guard let grp = a.group, grp >= 1, x[0] % grp == 0, s.shape[0] % grp == 0 else {
                return out + ["\(at) needs a group count dividing its \(x[0]) input and \(s.shape[0]) output channels"]
            }
        }
        if s.kind == .pool, a.method == nil || a.rounding == nil { out.append("\(at) needs a pooling method and rounding") }
        if (s.kind == .pool || s.kind == .upsample) && x[0] != s.shape[0] { out.append("\(at) changes \(x[0]) channels to \(s.shape[0])") }
        if need.factor, a.factor == nil { out.append("\(at) needs a factor") }
        if need.lrn, !(a.lrn.map { $0.size >= 1 && $0.size <= 1 << 20 } ?? false) { out.append("\(at) needs LRN size, alpha, beta, k") }
        if need.upsampler, a.upsampler == nil { out.append("\(at) needs to say whether its weights are fixed bilinear or learned") }
        if need.eps, !(a.eps.map { $0 >= 0 && $0.isFinite } ?? false) { out.append("\(at) needs a non-negative eps") }
        if let c = a.coefficients, c.count != s.inputs.count || s.kind != .sum { out.append("\(at) has \(c.count) coefficients for \(s.inputs.count) inputs") }
        if let bn = a.batchNorm, s.kind != .conv || !(bn.eps >= 0 && bn.eps.isFinite) { out.append("\(at) cannot fold batch norm '\(bn.layer)'") }
        if a.fusedReLU, !s.kind.canFuseReLU { out.append("\(at) (\(s.kind.rawValue)) cannot apply a fused ReLU") }
        if s.kind == .deconv, a.upsampler == .fixedBilinear, x[0] != s.shape[0] || a.group != 1 {
            out.append("\(at): a fixed bilinear upsampler maps each channel to itself")
        }
        if a.maxPool != nil {
            if s.kind != .conv {
                out.append("\(at) (\(s.kind.rawValue)) cannot apply a fused max pooling")
            } else if a.algorithm?.fusesMaxPool == false || (a.algorithm?.winogradTileSide != nil && a.geometry?.dilation != [1, 1]) {
                out.append("\(at): a fused max pooling needs an undilated Winograd F(2,3) or F(4,3) or a GEMM conv, not \(a.algorithm!.rawValue)")
            }
        }
        out += checkResidual(s, at: at)
        if let alg = a.algorithm {
            if s.kind != .conv {
                out.append("\(at): \(alg.rawValue) is for convolutions")
            } else if let g = a.geometry, let needs = alg.requirement(g, group: a.group ?? 1) {
                out.append("\(at): \(alg.rawValue) \(needs)")
            }
        }
        out += checkWeights(s, at: at, input: x)
        return out
    }

    /// The tensors a step reads, by name, with the shapes its geometry implies (nil: none).
    public static func expectedWeights(_ s: Step) -> [String: [Int]]? {
        let inC = readShape(s.inputs[0])[0], outC = s.shape[0], grp = s.attributes.group ?? 1
        let layer = s.weights.first { $0.role == .weight && $0.layer != s.attributes.batchNorm?.layer }?.layer ?? s.name
        var out: [String: [Int]] = [:]
        func add(_ l: String, _ role: WeightRole, _ shape: [Int]) { out[WeightRef.name(layer: l, role)] = shape }
        func batchNorm(_ l: String) { for role in WeightRole.allCases { add(l, role, [outC]) } }
        switch s.kind {
        case .conv:
            guard let g = s.attributes.geometry else { return nil }
            add(layer, .weight, [outC, inC / max(grp, 1), g.kernel[0], g.kernel[1]])
            add(layer, .bias, [outC])
            if let bn = s.attributes.batchNorm { batchNorm(bn.layer) }
        case .deconv where s.attributes.upsampler == .learned:
            guard let g = s.attributes.geometry else { return nil }
            add(layer, .weight, [inC, outC / max(grp, 1), g.kernel[0], g.kernel[1]])
            add(layer, .bias, [outC])
        case .batchnorm:
            batchNorm(s.weights.first?.layer ?? s.name)
        case .deconv, .upsample, .pool, .relu, .lrn, .dropout, .scale, .crop, .sum, .concat, .resize:
            return nil
        }
        return out
    }

    static func checkWeights(_ s: Step, at: String, input: [Int]) -> [String] {
        let expected = expectedWeights(s)
        if expected == nil, !s.weights.isEmpty { return ["\(at) (\(s.kind.rawValue)) reads no tensors, but lists \(s.weights.map(\.name))"] }
        guard let expected else { return [] }
        var out: [String] = [], seen = Set<String>()
        for w in s.weights {
            guard seen.insert(w.name).inserted else { out.append("\(at) lists tensor '\(w.name)' twice"); continue }
            guard let shape = expected[w.name] else { out.append("\(at) does not read a tensor named '\(w.name)'"); continue }
            if shape != w.shape { out.append("\(at): tensor '\(w.name)' has shape \(w.shape), its geometry needs \(shape)") }
        }
        // Every tensor is required except a bias (a conv without one has none).
        for (name, _) in expected where !seen.contains(name) && !name.hasSuffix("." + WeightRole.bias.rawValue) {
            out.append("\(at) lists no tensor '\(name)'")
        }
        if s.kind == .batchnorm, !seen.contains(where: { $0.hasSuffix(".bias") }) { out.append("\(at) lists no bias tensor") }
        if let bn = s.attributes.batchNorm, !seen.contains(WeightRef.name(layer: bn.layer, .bias)) { out.append("\(at) lists no tensor '\(bn.layer).bias'") }
        return out.sorted()
    }

    /// Slots, arena and scratch: what running needs beyond a well-formed step list.
    static func memory(_ plan: Plan) -> [String] {
        guard let m = plan.memory, plan.inputs.allSatisfy({ $0.slot != nil }) else { return ["the plan has no memory plan"] }
        var out: [String] = []
        for (i, slot) in plan.slots.enumerated() {
            if slot.id != i || slot.offset < 0 || slot.bytes < 0 || slot.offset % 4 != 0 || slot.offset > m.arenaBytes - slot.bytes {
                out.append("slot \(i) (offset \(slot.offset), \(slot.bytes) bytes) lies outside the \(m.arenaBytes)-byte arena")
            }
        }
        if m.arenaBytes < 0 || m.arenaBytes > 1 << 40 || m.scratchBytes < 0 || m.scratchBytes > 1 << 36 { out.append("arena or scratch size out of range") }
        func fits(_ slot: Int?, _ shape: [Int], _ what: String) {
            guard let slot, plan.slots.indices.contains(slot) else { out.append("\(what) has no slot"); return }
            if shape.reduce(4, *) > plan.slots[slot].bytes { out.append("\(what) (\(shape)) does not fit slot \(slot)") }
        }
        var slotOf: [Int: Int?] = [:]
        for i in plan.inputs {
            fits(i.slot, i.shape, "the input '\(i.name)'")
            slotOf[i.value] = i.slot
        }
        for (i, s) in plan.steps.enumerated() {
            fits(s.slot, s.shape, "step \(i) '\(s.name)'")
            slotOf[s.value] = s.slot
            for inp in s.inputs where !plan.isInput(inp.value) && slotOf[inp.value] != .some(inp.slot) {
                out.append("step \(i) '\(s.name)' reads v\(inp.value) from slot \(inp.slot.map(String.init) ?? "none"), where it was not written")
            }
            if s.inPlace && !(s.kind.canRunInPlace && s.inputs[0].slot == s.slot && s.inputs[0].window == nil) {
                out.append("step \(i) '\(s.name)' cannot run in place")
            }
            // The GEMM accumulates into a copy of the shortcut: the output cannot be the shortcut's buffer.
            if s.attributes.residual != nil, s.inputs.count == 2, s.inputs[1].slot == s.slot {
                out.append("step \(i) '\(s.name)' writes its output over the shortcut it adds (slot \(s.slot.map(String.init) ?? "none"))")
            }
            if scratchFloats(s) * 4 > m.scratchBytes { out.append("step \(i) '\(s.name)' needs more scratch than the plan's \(m.scratchBytes) bytes") }
        }
        return out
    }

    /// Scratch floats the step's kernel uses (ScratchRules).
    public static func scratchFloats(_ s: Step) -> Int {
        guard let g = s.attributes.geometry else { return 0 }
        let x = readShape(s.inputs[0]), grp = s.attributes.group ?? 1
        switch s.kind {
        case .conv:
            let o = s.convOutputShape
            if let m = s.attributes.algorithm?.winogradTileSide {
                return ScratchRules.winogradFloats(m: m, inChannels: x[0], outChannels: o[0], outHeight: o[1], outWidth: o[2],
                                                   dilation: g.dilation)
            }
            if s.attributes.algorithm == .winogradF2x7 {
                return ScratchRules.winograd7x7Floats(inChannels: x[0], outHeight: o[1], outWidth: o[2])
            }
            let gemm = ScratchRules.convFloats(g, inChannelsPerGroup: x[0] / max(grp, 1), outHeight: o[1], outWidth: o[2])
            // A fused pooling on GEMM: one image's conv output, pooled from there.
            return gemm + (s.attributes.maxPool == nil ? 0 : ScratchRules.pooledConvFloats(o))
        case .deconv where s.attributes.upsampler == .learned:
            let full = (0..<2).map { (try? OutputSize.of(.deconv, s.attributes, axis: $0, input: x[$0 + 1])?.get()) ?? 0 }
            let window = s.outputWindow ?? Window(y: 0, x: 0, h: full[0], w: full[1])
            return ScratchRules.deconvFloats(g, outChannelsPerGroup: s.shape[0] / max(grp, 1), inputHeight: x[1], inputWidth: x[2], window: window)
        case .deconv, .upsample, .pool, .relu, .lrn, .dropout, .scale, .crop, .sum, .batchnorm, .concat, .resize:
            return 0
        }
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
        for i in plan.inputs {
            let (ilo, ihi) = range(i.slot, i.shape)
            lives[i.value] = Life(value: i.value, def: -1, last: -1, lo: ilo, hi: ihi, name: i.name)
        }
        for (i, s) in plan.steps.enumerated() {
            let (lo, hi) = range(s.slot, s.shape)
            if s.slot == nil || s.slot! >= plan.slots.count || hi > (plan.slots[s.slot!].offset + plan.slots[s.slot!].bytes) {
                return ["step \(i) '\(s.name)' does not fit its slot"]
            }
            lives[s.value] = Life(value: s.value, def: i, last: i, lo: lo, hi: hi, name: s.name)
            for inp in s.inputs { lives[inp.value]?.last = i }
        }
        for o in plan.outputs { lives[o.value]?.last = plan.steps.count }
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
