// The plan graph of a review page, as Graphviz DOT: one box per step labelled with its op,
// output shape, MACs and the spec layers it came from, linked to its row of the step table.
// Skip paths (edges that jump over steps into a sum or a windowed read) are dashed and blue,
// crop windows red with their window; diff marks fill added / removed / changed steps.
// Graphviz lays it out (`dot -Tsvg`, run by the CLI); `embeddable` makes its SVG inline-ready.
//
// A deep plan would be one very tall column, so plans of more than `columnSteps` steps are
// folded into side-by-side columns of about that many steps: the first node of each column
// is put on the top rank, and edges between columns do not constrain the ranking (they are
// drawn grey, or as usual for skips and crops).

import FCNPlan

public enum ReportGraph {
    public enum Mark: String, Sendable { case added, removed, changed }

    static let fills: [Mark: String] = [.added: "#ceead6", .removed: "#fad2cf", .changed: "#feefc3"]
    public static let columnSteps = 32

    /// Steps per column: all of them up to `columnSteps`, else an even split into columns.
    static func stepsPerColumn(_ n: Int) -> Int {
        n <= columnSteps ? max(n, 1) : (n + (n + columnSteps - 1) / columnSteps - 1) / ((n + columnSteps - 1) / columnSteps)
    }

    /// DOT for `plan`. `prefix` keeps ids unique when two graphs share a page ("a-", "b-").
    public static func dot(_ plan: Plan, prefix: String = "", marks: [Int: Mark] = [:]) -> String {
        let q = DotReport.quote
        var lines = ["digraph \(q(plan.model)) {",
                     "  graph [id=\(q(prefix + "plan-graph")), rankdir=TB, nodesep=0.25, ranksep=0.3, fontname=\"Helvetica\"];",
                     "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10, margin=\"0.08,0.03\"];",
                     "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.6];"]
        for (k, i) in plan.inputs.enumerated() {
            lines.append("  v\(i.value) [id=\(q(prefix + (k == 0 ? "input" : "input\(k)"))), label=\(q("\(i.name)\n\(PlanReport.dims(i.shape))")), shape=ellipse];")
        }
        var position = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0.value, -1) })
        let perColumn = stepsPerColumn(plan.steps.count)
        func column(_ i: Int) -> Int { max(i, 0) / perColumn }
        for (i, s) in plan.steps.enumerated() {
            position[s.value] = i
            var label = "#\(i) \(PlanReport.opName(s)) \(PlanReport.describe(s))".trimmingSuffixSpaces
            var second = PlanReport.dims(s.shape)
            if s.macs > 0 { second += "  \(Format.short(s.macs)) MACs" }
            label += "\n" + second
            if let w = s.outputWindow { label += "\nwindow \(w)" }
            label += "\n" + s.sources.map(\.name).joined(separator: "+")
            var fill = s.kind == .upsample || s.kind == .deconv ? "#e8f0fe" : (s.kind == .sum ? "#fef7e0" : "#ffffff")
            var extra = ""
            if let m = marks[i] { fill = fills[m]!; extra = ", penwidth=2.5, color=\(q(m == .added ? "#188038" : m == .removed ? "#d93025" : "#e37400"))" }
            let tip = s.sources.map { "\($0.name) (\($0.op)) \($0.location)" }.joined(separator: "\n")
            lines.append("  v\(s.value) [id=\(q(prefix + "n\(i)")), label=\(q(label)), URL=\(q("#" + HTML.stepAnchor(prefix, i))), tooltip=\(q(tip)), fillcolor=\(q(fill))\(extra)];")
            for (j, inp) in s.inputs.enumerated() {
                var attrs = ["id=\(q(prefix + "e\(i)-\(j)"))"]
                if let w = inp.window { attrs.append("label=\(q(" crop \(w)"))"); attrs.append("color=\"#d93025\""); attrs.append("fontcolor=\"#d93025\"") }
                let skip = position[inp.value].map { i - $0 > 1 && (s.kind == .sum || inp.window != nil) } ?? false
                if skip {
                    attrs.append("style=dashed")
                    if inp.window == nil { attrs.append("color=\"#1a73e8\"") }
                    attrs.append("penwidth=1.5")
                }
                if let p = position[inp.value], column(p) != column(i) {
                    attrs.append("constraint=false")
                    if !skip && inp.window == nil { attrs.append("color=\"#9aa0a6\"") }
                }
                lines.append("  v\(inp.value) -> v\(s.value) [\(attrs.joined(separator: ", "))];")
            }
        }
        let columns = plan.steps.isEmpty ? 1 : column(plan.steps.count - 1) + 1
        if columns > 1 {
            let tops = ["v0"] + (1..<columns).map { "v\(plan.steps[$0 * perColumn].value)" }
            lines.append("  { rank=same; \(tops.joined(separator: "; ")); }")
            for k in 1..<columns { lines.append("  \(tops[k - 1]) -> \(tops[k]) [style=invis];") }
        }
        for (k, o) in plan.outputs.enumerated() {
            let suffix = k == 0 ? "" : "\(k)", label = plan.outputs.count == 1 ? "output" : "output \(o.name)"
            lines.append("  out\(suffix) [id=\(q(prefix + "output" + suffix)), label=\(q("\(label)\n\(PlanReport.dims(o.shape))")), shape=ellipse];")
            lines.append("  v\(o.value) -> out\(suffix) [id=\(q(prefix + "e-out" + suffix))];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Graphviz SVG made fit to sit inside an HTML page: the XML prolog, DOCTYPE and comments
    /// (which name the Graphviz version) go, and so do the namespace declarations (the HTML
    /// parser puts inline SVG in its namespace itself); `xlink:href` becomes `href`.
    public static func embeddable(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return "" }
        var s = String(svg[start.lowerBound...])
        while let open = s.range(of: "<!--"), let close = s.range(of: "-->", range: open.upperBound..<s.endIndex) {
            s.removeSubrange(open.lowerBound..<close.upperBound)
        }
        for ns in [" xmlns=\"http://www.w3.org/2000/svg\"", " xmlns:xlink=\"http://www.w3.org/1999/xlink\""] {
            s = s.replacingOccurrences(of: ns, with: "")
        }
        s = s.replacingOccurrences(of: "xlink:href=", with: "href=")
        s = s.replacingOccurrences(of: "xlink:title=", with: "data-title=")
        // Blank lines Graphviz leaves where the comments were.
        return s.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "\n") + "\n"
    }
}

extension String {
    var trimmingSuffixSpaces: String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
