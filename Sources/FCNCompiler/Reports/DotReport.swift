// The plan as a Graphviz graph: one box per step (op, output shape, sources), edges from
// producer to reader. Skip connections (a tap the main path also reads, read again several
// steps later: pool4 -> score_pool4) are dashed and blue; windowed reads (crops folded into
// their readers) are red and labelled with their window.

import FCNPlan

public enum DotReport {
    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    public static func dot(_ plan: Plan) -> String {
        var lines = ["digraph \(quote(plan.model)) {", "  rankdir=TB;", "  node [shape=box, fontname=\"Helvetica\", fontsize=10];",
                     "  edge [fontname=\"Helvetica\", fontsize=9];"]
        lines += plan.inputs.map { "  v\($0.value) [label=\(quote("\($0.name)\n\(PlanReport.dims($0.shape))")), shape=ellipse];" }
        var position = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0.value, -1) })
        var readers: [Int: Int] = [:]
        for s in plan.steps { for inp in s.inputs { readers[inp.value, default: 0] += 1 } }
        for (i, s) in plan.steps.enumerated() {
            position[s.value] = i
            var label = "#\(i) \(PlanReport.opName(s)) \(PlanReport.describe(s))\n\(PlanReport.dims(s.shape))"
            if let w = s.outputWindow { label += " window \(w)" }
            label += "\n" + s.sources.map(\.name).joined(separator: "+")
            let style = s.kind == .upsample || s.kind == .deconv ? ", style=filled, fillcolor=\"#e8f0fe\"" :
                (s.kind == .sum ? ", style=filled, fillcolor=\"#fef7e0\"" : "")
            lines.append("  v\(s.value) [label=\(quote(label))\(style)];")
            for inp in s.inputs {
                var attrs: [String] = []
                // A skip connection: a value the main path also reads (a tap such as pool4),
                // read again several steps later (by score_pool4). Dashed blue.
                let skip = position[inp.value].map { i - $0 > 1 && readers[inp.value, default: 0] > 1 } ?? false
                if skip { attrs += ["style=dashed", "color=\"#1a73e8\"", "penwidth=1.5"] }
                if let w = inp.window { attrs += ["label=\(quote("crop \(w)"))"] + (skip ? [] : ["color=\"#d93025\""]) }
                lines.append("  v\(inp.value) -> v\(s.value)" + (attrs.isEmpty ? "" : " [\(attrs.joined(separator: ", "))]") + ";")
            }
        }
        for (k, o) in plan.outputs.enumerated() {
            let id = k == 0 ? "out" : "out\(k)", label = plan.outputs.count == 1 ? "output" : "output \(o.name)"
            lines.append("  \(id) [label=\(quote("\(label)\n\(PlanReport.dims(o.shape))")), shape=ellipse];")
            lines.append("  v\(o.value) -> \(id);")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
