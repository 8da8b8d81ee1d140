// The sections of a review page, each a function of the plan (and its analysis) to HTML:
// totals, valid sizes, the step table, the memory timeline, crop certificates, fusion
// decisions and the spec sources the step table links into. `prefix` keeps anchors unique
// when two plans share a page (the diff); `marks` colours rows of a diff.

import FCNPlan

public enum ReportSections {
    static let labels = ["steps": "steps", "params": "parameters", "macs": "MACs (plan)", "graph-macs": "MACs (graph)",
                         "arena-bytes": "activation arena", "peak-live-bytes": "peak live activations", "no-reuse-bytes": "without slot reuse",
                         "scratch-bytes": "scratch", "weight-bytes": "weights", "fused": "fusion"]

    public static func totals(_ plan: Plan) -> String {
        func item(_ key: String, _ value: Int, _ text: String) -> String {
            "<dt>\(HTML.escape(labels[key] ?? key))</dt><dd data-total=\"\(key)\" data-value=\"\(value)\">\(HTML.escape(text))</dd>\n"
        }
        var out = "<dl class=\"totals\">\n"
        out += item("steps", plan.steps.count, "\(plan.steps.count) (from \(plan.layers.count - plan.inputs.count) layers)")
        out += item("params", plan.totals.params, Format.grouped(plan.totals.params))
        out += item("macs", plan.totals.macs, "\(Format.grouped(plan.totals.macs)) (\(Format.short(plan.totals.macs)))")
        out += item("graph-macs", plan.totals.graphMacs, "\(Format.grouped(plan.totals.graphMacs)) (\(Format.short(plan.totals.graphMacs))) as written, before fusion")
        if let m = plan.memory {
            out += item("arena-bytes", m.arenaBytes, "\(Format.bytes(m.arenaBytes)) in \(plan.slots.count) slots (no reuse would need \(Format.bytes(m.noReuseBytes)))")
            out += item("peak-live-bytes", m.peakLiveBytes, Format.bytes(m.peakLiveBytes))
            out += item("no-reuse-bytes", m.noReuseBytes, Format.bytes(m.noReuseBytes))
            out += item("scratch-bytes", m.scratchBytes, Format.bytes(m.scratchBytes))
            out += item("weight-bytes", m.weightBytes, Format.bytes(m.weightBytes))
        }
        out += item("fused", plan.fusion.filter(\.fused).count, "\(plan.fusion.filter(\.fused).count) of \(plan.fusion.count) candidates")
        return out + "</dl>\n<p class=\"note\">MACs: conv = Hout·Wout·Cout·Cin/g·kh·kw; deconv = Hin·Win·Cin·Cout/g·kh·kw; per-channel upsample as it runs (see Docs/PlanFormat.md). Sizes are per image.</p>\n"
    }

    public static func validSizes(_ v: ValidSizes) -> String {
        "<p id=\"valid-sizes-text\">\(HTML.escape(v.summary))</p>\n"
    }

    /// Links to the embedded spec lines of a step's sources (plain text when a file is not embedded).
    static func sourceLinks(_ s: Step, files: Set<String>) -> String {
        s.sources.map { src -> String in
            guard let loc = HTML.splitLocation(src.location), files.contains(loc.file) else {
                return "\(HTML.escape(src.name)) <span class=\"note\">\(HTML.escape(src.location))</span>"
            }
            return "<a href=\"#\(HTML.sourceAnchor(file: loc.file, line: loc.line))\" title=\"\(HTML.escape(src.op))\">\(HTML.escape(src.name))</a> <code>\(HTML.escape(src.location))</code>"
        }.joined(separator: "<br>")
    }

    public static func stepTable(_ plan: Plan, prefix: String = "", marks: [Int: ReportGraph.Mark] = [:], files: Set<String>) -> String {
        var names = Dictionary(uniqueKeysWithValues: plan.inputs.map { ($0.value, $0.name) }), producer: [Int: Int] = [:]
        for (i, s) in plan.steps.enumerated() { names[s.value] = s.name; producer[s.value] = i }
        var out = "<table class=\"sortable steps\" id=\"\(prefix)steps-table\">\n<thead><tr><th class=\"num\">#</th><th>op</th><th>params</th><th>inputs</th><th>output</th><th>window</th><th class=\"num\">MACs</th><th class=\"num\">output bytes</th><th>slot</th><th>sources (spec file:line:col)</th></tr></thead>\n<tbody>\n"
        for (i, s) in plan.steps.enumerated() {
            let inputs = s.inputs.map { inp -> String in
                var text = HTML.escape(names[inp.value] ?? "v\(inp.value)")
                if let p = producer[inp.value] { text = "<a href=\"#\(HTML.stepAnchor(prefix, p))\">\(text)</a>" }
                if let w = inp.window { text += "<span class=\"peak\">\(HTML.escape(w.description))</span>" }
                if let slot = inp.slot { text += "@s\(slot)" }
                return text
            }.joined(separator: " + ")
            let mark = marks[i].map { " class=\"\($0.rawValue)\"" } ?? ""
            let bytes = s.shape.reduce(4, *)
            out += "<tr id=\"\(HTML.stepAnchor(prefix, i))\"\(mark) data-step=\"\(i)\">"
            out += HTML.cell(String(i), sort: String(i), cls: "num")
            out += HTML.cell(PlanReport.opName(s)) + HTML.cell(PlanReport.describe(s), cls: "mono")
            out += HTML.cell(inputs, sort: s.inputs.map { names[$0.value] ?? "" }.joined(separator: "+"), cls: "mono", raw: true)
            out += HTML.cell(PlanReport.dims(s.shape), sort: String(s.shape.reduce(1, *)), cls: "mono")
            out += HTML.cell(s.outputWindow?.description ?? "", cls: "mono")
            out += "<td class=\"num\" data-sort=\"\(s.macs)\" data-macs=\"\(s.macs)\" title=\"\(Format.grouped(s.macs))\">\(s.macs == 0 ? "" : Format.short(s.macs))</td>"
            out += "<td class=\"num\" data-sort=\"\(bytes)\" data-bytes=\"\(bytes)\">\(HTML.escape(Format.bytes(bytes)))</td>"
            out += HTML.cell(s.slot.map { "s\($0)" } ?? "", sort: s.slot.map(String.init) ?? "")
            out += HTML.cell(sourceLinks(s, files: files), sort: s.sources.map(\.name).joined(separator: "+"), raw: true)
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    public static func memory(_ plan: Plan, prefix: String = "") -> String {
        let t = MemoryTimeline(plan)
        guard !plan.steps.isEmpty else { return "<p>No steps.</p>\n" }
        var out = "<p>Activation bytes alive while each step runs (its inputs, its output and every buffer kept for a later step). "
        out += "<span class=\"peak\" id=\"\(prefix)peak\" data-peak-step=\"\(t.peakStep)\" data-peak-bytes=\"\(t.peakBytes)\">Peak: \(HTML.escape(Format.bytes(t.peakBytes))) (\(Format.grouped(t.peakBytes)) bytes) while step <a href=\"#\(HTML.stepAnchor(prefix, t.peakStep))\">#\(t.peakStep) \(HTML.escape(plan.steps[t.peakStep].name))</a> runs.</span></p>\n"
        out += "<div class=\"figure\">\n" + MemoryTimelineSVG.chart(t, plan: plan, prefix: prefix) + "</div>\n"
        out += "<h3>Buffers alive at the peak, and who keeps them alive</h3>\n"
        out += "<table class=\"sortable\" id=\"\(prefix)peak-buffers\"><thead><tr><th>buffer</th><th class=\"num\">bytes</th><th>slot</th><th>written by</th><th>kept alive by</th></tr></thead><tbody>\n"
        for b in t.alive(at: t.peakStep).sorted(by: { ($0.bytes, -$0.value) > ($1.bytes, -$1.value) }) {
            let writer = b.writtenBy < 0 ? "the caller (network input)" : "<a href=\"#\(HTML.stepAnchor(prefix, b.writtenBy))\">#\(b.writtenBy) \(HTML.escape(plan.steps[b.writtenBy].name))</a>"
            out += "<tr data-value=\"\(b.value)\">" + HTML.cell(b.name, cls: "mono")
            out += "<td class=\"num\" data-sort=\"\(b.bytes)\" data-bytes=\"\(b.bytes)\">\(HTML.escape(Format.bytes(b.bytes)))</td>"
            out += HTML.cell(b.slot.map { "s\($0)" } ?? "") + HTML.cell(writer, sort: String(b.writtenBy), raw: true)
            out += HTML.cell(t.keeper(b, at: t.peakStep, plan: plan)) + "</tr>\n"
        }
        out += "</tbody></table>\n"
        let taps = t.buffers.filter { $0.writtenBy >= 0 && $0.lastReader < plan.steps.count && $0.lastReader - $0.writtenBy > 3 }
        if !taps.isEmpty {
            out += "<p>Long-lived buffers (blue lanes; skip taps): " + taps.map { b in
                "<code>\(HTML.escape(b.name))</code> \(HTML.escape(Format.bytes(b.bytes))) from #\(b.writtenBy) until #\(b.lastReader) \(HTML.escape(plan.steps[b.lastReader].name))"
            }.joined(separator: "; ") + ".</p>\n"
        }
        out += "<h3>Arena slots as lanes</h3>\n<p class=\"note\">Each bar is a value from the step that writes it to the last step that reads it; green: network input and output; blue: kept for more than three steps.</p>\n"
        out += "<div class=\"figure\">\n" + MemoryTimelineSVG.lanes(t, plan: plan, prefix: prefix) + "</div>\n"
        return out
    }

    public static func crops(_ crops: [CropExplanation]) -> String {
        guard !crops.isEmpty else { return "<p>No crops.</p>\n" }
        var out = ""
        for c in crops {
            let off = c.offset[0] == c.offset[1] ? "\(c.offset[0])" : "\(c.offset[0]),\(c.offset[1])"
            out += "<div class=\"crop\" id=\"\(HTML.anchor("crop", c.crop))\" data-offset=\"\(c.offset.map(String.init).joined(separator: ","))\">\n"
            out += "<h3><code>\(HTML.escape(c.crop))</code>: crop <code>\(HTML.escape(c.cropped))</code> to the size of <code>\(HTML.escape(c.reference))</code> ⇒ offset \(off)</h3>\n"
            out += "<p>Common ancestor: <code>\(HTML.escape(c.ancestor))</code> (x = its coordinates).</p>\n"
            out += "<table><thead><tr><th>path</th><th>layer</th><th>op</th><th>its map</th><th>from the ancestor</th></tr></thead><tbody>\n"
            for (label, links, end) in [("cropped", c.croppedChain, c.cropped), ("reference", c.referenceChain, c.reference)] {
                if links.isEmpty {
                    out += "<tr><td>\(label) → \(HTML.escape(end))</td><td colspan=\"4\">is the ancestor: x</td></tr>\n"
                }
                for (k, l) in links.enumerated() {
                    out += "<tr>" + (k == 0 ? "<td rowspan=\"\(links.count)\">\(label) → <code>\(HTML.escape(end))</code></td>" : "")
                    out += HTML.cell(l.layer, cls: "mono") + HTML.cell(l.op, cls: "mono") + HTML.cell(l.map, cls: "mono") + HTML.cell(l.cumulative, cls: "mono") + "</tr>\n"
                }
            }
            out += "</tbody></table>\n"
            let shift = c.offset[0] == c.offset[1] ? "[i + \(c.offset[0])]" : "[y + \(c.offset[0]), x + \(c.offset[1])]"
            let at = c.offset[0] == c.offset[1] ? "[i]" : "[y, x]"
            out += "<p class=\"mono\"><code>\(HTML.escape(c.reference)) ∘ \(HTML.escape(c.cropped))⁻¹ = \(HTML.escape(c.relative))</code> ⇒ <code>\(HTML.escape(c.cropped + shift))</code> lines up with <code>\(HTML.escape(c.reference + at))</code></p>\n</div>\n"
        }
        return out
    }

    public static func fusion(_ plan: Plan) -> String {
        var out = "<table class=\"sortable\" id=\"fusion-table\"><thead><tr><th>pass</th><th>layers</th><th>decision</th><th>reason</th></tr></thead><tbody>\n"
        for d in plan.fusion {
            out += "<tr class=\"\(d.fused ? "fused" : "not-fused")\">" + HTML.cell(d.pass, cls: "mono") + HTML.cell(d.layers.joined(separator: "+"), cls: "mono")
            out += HTML.cell(d.fused ? "fused" : "not fused") + HTML.cell(d.reason) + "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// The spec files, line-numbered, each line an anchor the step table links to; the lines
    /// some step came from are marked.
    public static func sources(_ files: [HTMLReport.SpecSource], plan: Plan) -> String {
        var used = Set<String>()
        for s in plan.steps { for src in s.sources { if let l = HTML.splitLocation(src.location) { used.insert(HTML.sourceAnchor(file: l.file, line: l.line)) } } }
        var out = ""
        for f in files {
            out += "<h3><code>\(HTML.escape(f.path))</code></h3>\n<table class=\"src\"><tbody>\n"
            var lines = f.text.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.last == "" { lines.removeLast() }
            for (i, line) in lines.enumerated() {
                let id = HTML.sourceAnchor(file: f.path, line: i + 1)
                let style = used.contains(id) ? " class=\"used\"" : ""
                out += "<tr id=\"\(id)\"\(style)><td class=\"ln\">\(i + 1)</td><td>\(HTML.escape(String(line)))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        return out
    }
}
