import FCNPlan
import Foundation
// `fcngc diff A B`: what changes between two variants at one input size — layers and
// steps added, removed or computed differently (an upsampler made learnable turns an
// upsample step into a deconv), crop offsets and shapes changed (one entry per layer), fusion decisions changed, and the deltas
// in parameters, MACs and memory. Deterministic text, one section per kind of change.

public struct PlanDiff: Codable, Sendable {
    public struct Change: Codable, Sendable { public var name: String; public var detail: String }
    public struct Delta: Codable, Sendable { public var what: String; public var a: Int; public var b: Int; public var bytes: Bool }

    public var a: String
    public var b: String
    public var layersAdded: [Change] = []
    public var layersRemoved: [Change] = []
    public var stepsAdded: [Change] = []
    public var stepsRemoved: [Change] = []
    public var stepsChanged: [Change] = []
    public var offsets: [Change] = []
    public var fusion: [Change] = []
    public var deltas: [Delta] = []

    public init(_ pa: Plan, _ pb: Plan) {
        a = pa.model
        b = pb.model
        let la = Dictionary(pa.layers.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let lb = Dictionary(pb.layers.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        func describe(_ l: LayerSummary) -> String {
            var s = "\(l.op) \(l.shape.map(String.init).joined(separator: "x"))"
            if l.params > 0 { s += ", \(Format.grouped(l.params)) params" }
            if l.macs > 0 { s += ", \(Format.short(l.macs)) MACs" }
            if let o = l.offset { s += ", offset \(o[0] == o[1] ? "\(o[0])" : "\(o[0]),\(o[1])")" }
            return s
        }
        layersAdded = pb.layers.filter { la[$0.name] == nil }.map { Change(name: $0.name, detail: describe($0)) }
        layersRemoved = pa.layers.filter { lb[$0.name] == nil }.map { Change(name: $0.name, detail: describe($0)) }
        for l in pb.layers {
            guard let old = la[l.name] else { continue }
            // One entry per layer: a shape or kind change already shows the offset in both descriptions.
            if old.shape != l.shape || old.op != l.op {
                offsets.append(Change(name: l.name, detail: "\(describe(old)) -> \(describe(l))"))
            } else if old.offset != l.offset {
                func off(_ o: [Int]?) -> String { o.map { $0[0] == $0[1] ? "\($0[0])" : "\($0[0]),\($0[1])" } ?? "none" }
                offsets.append(Change(name: l.name, detail: "crop offset \(off(old.offset)) -> \(off(l.offset))"))
            }
        }
        func stepKey(_ s: Step) -> String { s.sources.map(\.name).joined(separator: "+") }
        func stepDetail(_ s: Step) -> String {
            "\(PlanReport.opName(s)) \(PlanReport.describe(s)) -> \(s.shape.map(String.init).joined(separator: "x"))" + (s.macs > 0 ? ", \(Format.short(s.macs)) MACs" : "")
        }
        let sa = Set(pa.steps.map(stepKey)), sb = Set(pb.steps.map(stepKey))
        stepsAdded = pb.steps.filter { !sa.contains(stepKey($0)) }.map { Change(name: stepKey($0), detail: stepDetail($0)) }
        stepsRemoved = pa.steps.filter { !sb.contains(stepKey($0)) }.map { Change(name: stepKey($0), detail: stepDetail($0)) }
        // The same layers computed another way (an upsampler made learnable: upsample -> deconv).
        let oldSteps = Dictionary(pa.steps.map { (stepKey($0), $0) }, uniquingKeysWith: { x, _ in x })
        for s in pb.steps {
            guard let old = oldSteps[stepKey(s)] else { continue }
            let was = stepDetail(old), now = stepDetail(s)
            if was != now { stepsChanged.append(Change(name: stepKey(s), detail: "\(was)  =>  \(now)")) }
        }
        func fkey(_ d: FusionDecision) -> String { d.pass + " " + d.layers.joined(separator: "+") }
        let fa = Dictionary(pa.fusion.map { (fkey($0), $0) }, uniquingKeysWith: { x, _ in x })
        let fb = Dictionary(pb.fusion.map { (fkey($0), $0) }, uniquingKeysWith: { x, _ in x })
        for d in pb.fusion {
            let word = d.fused ? "fused" : "not fused"
            if let old = fa[fkey(d)] {
                if old.fused != d.fused || old.reason != d.reason {
                    fusion.append(Change(name: fkey(d), detail: "\(old.fused ? "fused" : "not fused") -> \(word): \(d.reason)"))
                }
            } else {
                fusion.append(Change(name: fkey(d), detail: "new, \(word): \(d.reason)"))
            }
        }
        for d in pa.fusion where fb[fkey(d)] == nil {
            fusion.append(Change(name: fkey(d), detail: "gone (was \(d.fused ? "fused" : "not fused"))"))
        }
        deltas = [
            Delta(what: "parameters", a: pa.totals.params, b: pb.totals.params, bytes: false),
            Delta(what: "MACs (plan)", a: pa.totals.macs, b: pb.totals.macs, bytes: false),
            Delta(what: "MACs (graph)", a: pa.totals.graphMacs, b: pb.totals.graphMacs, bytes: false),
            Delta(what: "steps", a: pa.steps.count, b: pb.steps.count, bytes: false),
        ]
        if let ma = pa.memory, let mb = pb.memory {
            deltas += [
                Delta(what: "activation arena", a: ma.arenaBytes, b: mb.arenaBytes, bytes: true),
                Delta(what: "peak live", a: ma.peakLiveBytes, b: mb.peakLiveBytes, bytes: true),
                Delta(what: "scratch", a: ma.scratchBytes, b: mb.scratchBytes, bytes: true),
                Delta(what: "weights", a: ma.weightBytes, b: mb.weightBytes, bytes: true),
            ]
        }
    }

    /// True when nothing differs: no layer, step, offset or fusion change and equal costs.
    public var isEmpty: Bool {
        [layersAdded, layersRemoved, offsets, stepsAdded, stepsRemoved, stepsChanged, fusion].allSatisfy(\.isEmpty)
            && deltas.allSatisfy { $0.a == $0.b }
    }

    public var text: String {
        if isEmpty { return "no differences between \(a) and \(b)\n" }
        var out = "--- \(a)\n+++ \(b)\n"
        func section(_ title: String, _ items: [Change], _ mark: String) {
            guard !items.isEmpty else { return }
            out += "\n\(title):\n"
            let width = items.map(\.name.count).max() ?? 0
            for c in items { out += "  \(mark) \(c.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(c.detail)\n" }
        }
        section("layers added", layersAdded, "+")
        section("layers removed", layersRemoved, "-")
        section("layers changed (offsets, shapes)", offsets, "~")
        section("steps added", stepsAdded, "+")
        section("steps removed", stepsRemoved, "-")
        section("steps changed", stepsChanged, "~")
        section("fusion decisions changed", fusion, "~")
        var t = TextTable(["", a, b, "delta"], rightAligned: [1, 2, 3])
        for d in deltas {
            let f: (Int) -> String = d.bytes ? Format.bytes : Format.grouped
            let diff = d.b - d.a
            let pct = d.a == 0 ? "" : " (\(Self.percent(diff, of: d.a)))"
            t.add([d.what, f(d.a), f(d.b), (diff > 0 ? "+" : "") + f(diff) + pct])
        }
        out += "\ncosts:\n" + t.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        return out
    }

    /// A change relative to `base` as a percentage: "+1.25%", "-0.40%", "0%", and "+<0.01%" for a
    /// change too small to show in two decimals (not "+0.00%", which reads as no change).
    static func percent(_ diff: Int, of base: Int) -> String {
        if diff == 0 { return "0%" }
        let p = Double(diff) / Double(base) * 100
        if abs(p) < 0.005 { return (diff > 0 ? "+" : "-") + "<0.01%" }
        return String(format: "%+.2f%%", p)
    }
}
