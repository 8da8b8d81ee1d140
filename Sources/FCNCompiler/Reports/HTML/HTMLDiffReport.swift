// `fcngc diff A B --html`: the two plans side by side on one self-contained page. Steps are
// matched by the spec layers they came from (PlanDiff's key); a step only in B is added, only
// in A removed, in both but with another op, shape, window, input windows or cost changed.
// The marks colour both graphs and the aligned step table; PlanDiff supplies the layer,
// offset and fusion changes and the cost deltas.

import FCNPlan

public struct HTMLDiffReport: Sendable {
    public var a: Plan
    public var b: Plan
    /// Graphviz SVG of `ReportGraph.dot(a, prefix: "a-", marks: marks.a)` and likewise for b.
    public var graphA: String
    public var graphB: String

    public init(a: Plan, b: Plan, graphA: String, graphB: String) {
        self.a = a; self.b = b; self.graphA = graphA; self.graphB = graphB
    }

    static func key(_ s: Step) -> String { s.sources.map(\.name).joined(separator: "+") }

    /// What a reviewer would call the same step computing something else.
    static func signature(_ s: Step) -> String {
        let inputs = s.inputs.map { "\($0.shape)\($0.window?.description ?? "")" }.joined(separator: ",")
        return "\(PlanReport.opName(s)) \(PlanReport.describe(s)) \(s.shape) \(s.outputWindow?.description ?? "") \(inputs) \(s.macs)"
    }

    /// Rows of the aligned table: pairs of step indices (nil on the side that lacks the step),
    /// in an order that follows both plans (longest common subsequence of step keys).
    public static func align(_ a: Plan, _ b: Plan) -> [(a: Int?, b: Int?)] {
        let ka = a.steps.map(key), kb = b.steps.map(key)
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: kb.count + 1), count: ka.count + 1)
        for i in stride(from: ka.count - 1, through: 0, by: -1) {
            for j in stride(from: kb.count - 1, through: 0, by: -1) {
                lcs[i][j] = ka[i] == kb[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var rows: [(a: Int?, b: Int?)] = [], i = 0, j = 0
        while i < ka.count || j < kb.count {
            if i < ka.count, j < kb.count, ka[i] == kb[j] { rows.append((i, j)); i += 1; j += 1 }
            else if j < kb.count, i == ka.count || lcs[i][j + 1] >= lcs[i + 1][j] { rows.append((nil, j)); j += 1 }
            else { rows.append((i, nil)); i += 1 }
        }
        return rows
    }

    /// Marks for the steps of each plan.
    public static func marks(_ a: Plan, _ b: Plan) -> (a: [Int: ReportGraph.Mark], b: [Int: ReportGraph.Mark]) {
        var ma: [Int: ReportGraph.Mark] = [:], mb: [Int: ReportGraph.Mark] = [:]
        for row in align(a, b) {
            switch (row.a, row.b) {
            case let (i?, j?):
                if signature(a.steps[i]) != signature(b.steps[j]) { ma[i] = .changed; mb[j] = .changed }
            case let (i?, nil): ma[i] = .removed
            case let (nil, j?): mb[j] = .added
            case (nil, nil): break
            }
        }
        return (ma, mb)
    }

    static func signed(_ d: Int, bytes: Bool) -> String {
        (d > 0 ? "+" : "") + (bytes ? Format.bytes(d) : Format.grouped(d))
    }

    func costs(_ diff: PlanDiff) -> String {
        var out = "<table id=\"costs\"><thead><tr><th></th><th class=\"num\">\(HTML.escape(a.model))</th><th class=\"num\">\(HTML.escape(b.model))</th><th class=\"num\">delta</th></tr></thead><tbody>\n"
        for d in diff.deltas {
            let f: (Int) -> String = d.bytes ? Format.bytes : Format.grouped
            let delta = d.b - d.a
            let pct = d.a == 0 ? "" : " (\(delta >= 0 ? "+" : "")\(PlanDiffFormat.percent(delta, d.a))%)"
                .replacingOccurrences(of: "+0.00%", with: delta == 0 ? "+0.00%" : "+<0.01%")
                .replacingOccurrences(of: "-0.00%", with: "-<0.01%")
            let cls = delta > 0 ? "removed" : (delta < 0 ? "added" : "")
            out += "<tr class=\"\(cls)\" data-what=\"\(HTML.escape(d.what))\" data-a=\"\(d.a)\" data-b=\"\(d.b)\">" + HTML.cell(d.what)
            out += HTML.cell(f(d.a), cls: "num") + HTML.cell(f(d.b), cls: "num") + HTML.cell(Self.signed(delta, bytes: d.bytes) + pct, cls: "num") + "</tr>\n"
        }
        return out + "</tbody></table>\n<p class=\"note\">Green: B costs less; red: B costs more.</p>\n"
    }

    func changes(_ diff: PlanDiff) -> String {
        let sections: [(String, [PlanDiff.Change], String)] = [
            ("layers added", diff.layersAdded, "added"), ("layers removed", diff.layersRemoved, "removed"),
            ("layers changed (crop offsets, shapes)", diff.offsets, "changed"), ("steps added", diff.stepsAdded, "added"),
            ("steps removed", diff.stepsRemoved, "removed"), ("fusion decisions changed", diff.fusion, "changed")]
        var out = ""
        for (title, items, cls) in sections where !items.isEmpty {
            out += "<h3>\(HTML.escape(title)) (\(items.count))</h3>\n<table class=\"changes\"><tbody>\n"
            for c in items { out += "<tr class=\"\(cls)\">" + HTML.cell(c.name, cls: "mono") + HTML.cell(c.detail, cls: "mono") + "</tr>\n" }
            out += "</tbody></table>\n"
        }
        return out.isEmpty ? "<p>No layer, step, offset or fusion changes.</p>\n" : out
    }

    func alignedTable(_ marks: (a: [Int: ReportGraph.Mark], b: [Int: ReportGraph.Mark])) -> String {
        var out = "<table class=\"sortable\" id=\"aligned-steps\"><thead><tr><th class=\"num\">A #</th><th>A op</th><th>A output</th><th class=\"num\">A MACs</th>"
        out += "<th>sources</th><th class=\"num\">B #</th><th>B op</th><th>B output</th><th class=\"num\">B MACs</th><th class=\"num\">Δ MACs</th></tr></thead><tbody>\n"
        func side(_ p: Plan, _ i: Int?, _ prefix: String) -> String {
            guard let i else { return "<td></td><td></td><td></td><td></td>" }
            let s = p.steps[i]
            let op = (PlanReport.opName(s) + " " + PlanReport.describe(s)).trimmingSuffixSpaces
            var output = PlanReport.dims(s.shape)
            if let w = s.outputWindow { output += " " + w.description }
            let windows = s.inputs.compactMap(\.window).map(\.description)
            if !windows.isEmpty { output += " ← " + windows.joined(separator: " ") }
            return "<td class=\"num\" data-sort=\"\(i)\"><a href=\"#\(HTML.stepAnchor(prefix, i))\">\(i)</a></td>" + HTML.cell(op, cls: "mono")
                + HTML.cell(output, cls: "mono") + "<td class=\"num\" data-sort=\"\(s.macs)\" data-macs=\"\(s.macs)\">\(s.macs == 0 ? "" : Format.short(s.macs))</td>"
        }
        for row in Self.align(a, b) {
            let mark: ReportGraph.Mark? = row.a.flatMap { marks.a[$0] } ?? row.b.flatMap { marks.b[$0] }
            let name = row.b.map { Self.key(b.steps[$0]) } ?? row.a.map { Self.key(a.steps[$0]) } ?? ""
            let delta = (row.b.map { b.steps[$0].macs } ?? 0) - (row.a.map { a.steps[$0].macs } ?? 0)
            out += "<tr\(mark.map { " class=\"\($0.rawValue)\"" } ?? "") data-key=\"\(HTML.escape(name))\">" + side(a, row.a, "a-")
            out += HTML.cell(name, cls: "mono") + side(b, row.b, "b-")
            out += "<td class=\"num\" data-sort=\"\(delta)\">\(delta == 0 ? "" : (delta > 0 ? "+" : "-") + Format.short(abs(delta)))</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    public func render() -> String {
        let diff = PlanDiff(a, b)
        let marks = Self.marks(a, b)
        let counts = [ReportGraph.Mark.added, .removed, .changed].map { m in (m, marks.a.values.filter { $0 == m }.count + marks.b.values.filter { $0 == m }.count) }
        var body = "<header><h1>\(HTML.escape(a.model)) → \(HTML.escape(b.model))</h1>\n"
        body += "<p>A: \(HTML.escape(a.model)), input \(PlanReport.dims(a.input)), \(a.steps.count) steps · B: \(HTML.escape(b.model)), input \(PlanReport.dims(b.input)), \(b.steps.count) steps · "
        body += "steps added \(marks.b.values.filter { $0 == .added }.count), removed \(marks.a.values.filter { $0 == .removed }.count), changed \(marks.b.values.filter { $0 == .changed }.count)</p>\n"
        body += "<p class=\"legend\">" + counts.map { m, _ in "<span><span class=\"sw\" style=\"background:\(ReportGraph.fills[m]!)\"></span>\(m.rawValue)</span>" }.joined() + "</p></header>\n"
        body += "<section id=\"costs-section\"><h2>Costs</h2>\n" + costs(diff) + "</section>\n"
        body += "<section id=\"changes\"><h2>Changes</h2>\n" + changes(diff) + "</section>\n"
        body += "<section id=\"graphs\"><h2>Graphs</h2>\n<div class=\"side\"><div><h3>A: \(HTML.escape(a.model))</h3><div class=\"figure graph\">\n" + ReportGraph.embeddable(graphA)
        body += "</div></div><div><h3>B: \(HTML.escape(b.model))</h3><div class=\"figure graph\">\n" + ReportGraph.embeddable(graphB) + "</div></div></div>\n</section>\n"
        body += "<section id=\"aligned\"><h2>Steps, aligned</h2>\n<p class=\"note\">Rows pair the steps that came from the same spec layers; ← marks windows read from inputs (crops).</p>\n" + alignedTable(marks) + "</section>\n"
        body += "<section id=\"memory\"><h2>Memory</h2>\n<div class=\"side\"><div><h3>A: \(HTML.escape(a.model))</h3>\n" + ReportSections.memory(a, prefix: "a-")
        body += "</div><div><h3>B: \(HTML.escape(b.model))</h3>\n" + ReportSections.memory(b, prefix: "b-") + "</div></div>\n</section>\n"
        body += "<section id=\"tables\"><h2>Step tables</h2>\n<h3>A: \(HTML.escape(a.model))</h3>\n" + ReportSections.stepTable(a, prefix: "a-", marks: marks.a, files: [])
        body += "<h3>B: \(HTML.escape(b.model))</h3>\n" + ReportSections.stepTable(b, prefix: "b-", marks: marks.b, files: []) + "</section>\n"
        let nav = [("costs-section", "costs"), ("changes", "changes"), ("graphs", "graphs"), ("aligned", "aligned steps"), ("memory", "memory"), ("tables", "step tables")]
        return HTML.page(title: "fcngc diff: \(a.model) → \(b.model)", nav: nav.map { (anchor: $0.0, label: $0.1) }, body: body)
    }
}

enum PlanDiffFormat {
    /// 100 * d / base with two decimals, without Foundation's locale-dependent formatting.
    static func percent(_ d: Int, _ base: Int) -> String {
        let hundredths = (Double(d) / Double(base) * 10000).rounded()
        let v = Int(hundredths)
        let sign = v < 0 ? "-" : ""
        let a = abs(v)
        return "\(sign)\(a / 100).\(a % 100 < 10 ? "0" : "")\(a % 100)"
    }
}
