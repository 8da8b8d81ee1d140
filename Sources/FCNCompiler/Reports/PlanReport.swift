// The plan as people review it: a deterministic text table (a version header, one row per
// step, totals and memory at the bottom), the fusion decisions, and JSON that round-trips
// byte for byte (sorted keys, no timestamps, paths as the user gave them).

import FCNPlan
import Foundation

public enum PlanReport {
    public static func json(_ plan: Plan) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! enc.encode(plan), as: UTF8.self) + "\n"
    }

    public static func decode(_ text: String) throws -> Plan {
        try PlanFile.decode(Data(text.utf8), file: "<plan>")
    }

    static func dims(_ s: [Int]) -> String { s.map(String.init).joined(separator: "x") }

    /// "input 3x500x500" for one, "inputs color 3x500x500, depth 1x500x500" for several.
    static func interface(_ word: String, _ items: [(name: String, shape: [Int])]) -> String {
        items.count == 1 ? "\(word) \(dims(items[0].shape))"
            : "\(word)s " + items.map { "\($0.name) \(dims($0.shape))" }.joined(separator: ", ")
    }

    static func opName(_ s: Step) -> String {
        var op = s.kind.rawValue
        if s.kind == .pool, let m = s.attributes.method { op = m.rawValue + "pool" }
        op += s.attributes.fusedSuffix
        if s.inPlace { op += "!" }
        return op
    }

    public static func describe(_ s: Step) -> String {
        let a = s.attributes
        var parts: [String] = []
        if let g = a.geometry {
            let k = g.kernel, st = g.stride, p = g.pad, d = g.dilation
            parts.append("k" + (k[0] == k[1] ? "\(k[0])" : dims(k)))
            if st != [1, 1] { parts.append("s" + (st[0] == st[1] ? "\(st[0])" : dims(st))) }
            if p != [0, 0] { parts.append("p" + (p[0] == p[1] ? "\(p[0])" : dims(p))) }
            if d != [1, 1] { parts.append("d" + dims(d)) }
        }
        if let g = a.group, g != 1 { parts.append("g\(g)") }
        if let x = a.inputScale { parts.append("×\(x)") }
        if let v = a.factor { parts.append("×\(v)") }
        if let alg = a.algorithm, alg.isWinograd { parts.append(alg.rawValue) }
        return parts.joined(separator: " ")
    }

    public static func text(_ plan: Plan) -> String {
        // A value is named after the layer whose value it is (Plan.outputLayer(of:)), as in
        // --dump-steps files and fcngc verify: conv1_1+relu1_1 writes relu1_1.
        var names = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0.value, $0.name) })
        for s in plan.steps { names[s.value] = plan.outputLayer(of: s) }
        var t = TextTable(["#", "op", "params", "inputs", "output", "window", "MACs", "slot", "sources"], rightAligned: [0, 6])
        for (i, s) in plan.steps.enumerated() {
            let inputs = s.inputs.map { inp -> String in
                var x = names[inp.value] ?? "v\(inp.value)"
                if let w = inp.window { x += w.description }
                if let slot = inp.slot { x += "@s\(slot)" }
                return x
            }.joined(separator: " + ")
            t.add(["\(i)", opName(s), describe(s), inputs, dims(s.shape), s.outputWindow?.description ?? "",
                   s.macs == 0 ? "" : Format.short(s.macs), s.slot.map { "s\($0)" } ?? "",
                   s.sources.map(\.name).joined(separator: "+")])
        }
        let inputs = interface("input", plan.inputs.map { ($0.name, $0.shape) })
        let outputs = interface("output", plan.outputs.map { ($0.name, $0.shape) })
        var out = "\(plan.format) \(plan.version)  model \(plan.model)  \(inputs)  \(outputs)\n\n"
        out += t.render() + "\n\n"
        out += "steps: \(plan.steps.count) (from \(plan.layers.count - plan.inputs.count) layers); params: \(Format.grouped(plan.totals.params)); "
        out += "MACs: \(Format.short(plan.totals.macs)) (graph as written: \(Format.short(plan.totals.graphMacs)))\n"
        if let m = plan.memory {
            out += "memory: activations \(Format.bytes(m.arenaBytes)) in \(plan.slots.count) slots (peak live \(Format.bytes(m.peakLiveBytes)); "
            out += "no reuse: \(Format.bytes(m.noReuseBytes))), scratch \(Format.bytes(m.scratchBytes)), weights \(Format.bytes(m.weightBytes))\n"
        }
        let fusion = plan.fusion.filter { $0.pass != ConvAlgorithmPass.name }
        out += "fusion: \(fusion.filter(\.fused).count) of \(fusion.count) candidates fused (see --explain-fusion); '!' = in place\n"
        if let algorithms = ConvAlgorithmPass.summary(plan) { out += "convolutions: \(algorithms) (reasons: --explain-fusion)\n" }
        return out
    }

    public static func fusionText(_ plan: Plan) -> String {
        var t = TextTable(["pass", "layers", "decision", "reason"])
        for d in plan.fusion {
            t.add([d.pass, d.layers.joined(separator: "+"), d.fused ? "fused" : "not fused", d.reason])
        }
        return t.render() + "\n"
    }
}
