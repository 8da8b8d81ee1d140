// The plan as a Graphviz graph: one box per step (op, output shape, sources), edges from
// producer to reader. Skip connections (edges that jump over steps) are dashed and blue;
// windowed reads (crops folded into their readers) are labelled with their window.

import FCNPlan

public enum DotReport {
    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    public static func dot(_ plan: Plan) -> String {
        var lines = ["digraph \(quote(plan.model)) {", "  rankdir=TB;", "  node [shape=box, fontname=\"Helvetica\", fontsize=10];",
                     "  edge [fontname=\"Helvetica\", fontsize=9];",
                     "  v0 [label=\(quote("input\n\(PlanReport.dims(plan.input))")), shape=ellipse];"]
        var position: [Int: Int] = [0: -1]
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
                if let w = inp.window { attrs.append("label=\(quote("crop \(w)"))"); attrs.append("color=\"#d93025\"") }
                if let p = position[inp.value], i - p > 1, s.kind == .sum || inp.window != nil {
                    attrs.append("style=dashed")
                    if inp.window == nil { attrs.append("color=\"#1a73e8\"") }
                }
                lines.append("  v\(inp.value) -> v\(s.value)" + (attrs.isEmpty ? "" : " [\(attrs.joined(separator: ", "))]") + ";")
            }
        }
        lines.append("  out [label=\(quote("output\n\(PlanReport.dims(plan.output))")), shape=ellipse];")
        lines.append("  v\(plan.outputValue) -> out;")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
