// `fcngc report SPEC`: one self-contained HTML page for reviewing a plan — the graph
// (Graphviz SVG, inline), totals, valid sizes, the sortable step table linked to the spec
// lines each step came from, the memory timeline (peak, the buffers alive there and who
// keeps them alive, slots as lanes), every crop's certificate and every fusion decision.
// The CLI runs Graphviz and reads the spec files; this type only assembles text.

import FCNPlan

public struct HTMLReport: Sendable {
    /// A spec file as the user named it, embedded so that `file:line` links work offline.
    public struct SpecSource: Sendable {
        public var path: String
        public var text: String
        public init(path: String, text: String) { self.path = path; self.text = text }
    }

    public var plan: Plan
    public var crops: [CropExplanation]
    public var validSizes: ValidSizes
    /// Graphviz's SVG of `ReportGraph.dot(plan)` (made embeddable here).
    public var graphSVG: String
    public var sources: [SpecSource]

    public init(plan: Plan, compilation: Compilation, graphSVG: String, sources: [SpecSource]) {
        self.plan = plan
        crops = CropExplanation.all(compilation.graph)
        validSizes = compilation.validSizes
        self.graphSVG = graphSVG
        self.sources = sources
    }

    /// Every spec file a step or layer points at (`file:line:col`), in order of first mention.
    public static func specFiles(_ plan: Plan) -> [String] {
        var seen = Set<String>(), files: [String] = []
        let locations = plan.steps.flatMap { $0.sources.map(\.location) } + plan.layers.map(\.location)
        for loc in locations {
            if let f = HTML.splitLocation(loc)?.file, seen.insert(f).inserted { files.append(f) }
        }
        return files
    }

    static let graphLegend = """
    <p class="legend"><span><span class="sw" style="background:#e8f0fe"></span>upsampling</span><span><span class="sw" style="background:#fef7e0"></span>sum</span>\
    <span><svg width="36" height="10"><line x1="0" y1="5" x2="36" y2="5" stroke="#1a73e8" stroke-width="1.5" stroke-dasharray="5,2"/></svg> skip path</span>\
    <span><svg width="36" height="10"><line x1="0" y1="5" x2="36" y2="5" stroke="#d93025" stroke-width="1.5" stroke-dasharray="5,2"/></svg> crop read as a window [rows, cols]</span>\
    <span>click a box for its row in the step table</span></p>

    """

    public func render() -> String {
        let p = plan
        var body = "<header><h1>\(HTML.escape(p.model))</h1>\n"
        body += "<p>\(p.format) \(p.version) · input \(PlanReport.dims(p.input)) → output \(PlanReport.dims(p.output)) · \(p.steps.count) steps · "
        body += "\(Format.short(p.totals.macs)) MACs · peak live \(HTML.escape(Format.bytes(p.memory?.peakLiveBytes ?? 0)))</p></header>\n"
        body += "<section id=\"totals\"><h2>Totals</h2>\n" + ReportSections.totals(p) + "</section>\n"
        body += "<section id=\"valid-sizes\"><h2>Valid input sizes</h2>\n" + ReportSections.validSizes(validSizes) + "</section>\n"
        body += "<section id=\"graph\"><h2>Plan graph</h2>\n" + Self.graphLegend
        body += "<div class=\"figure graph\">\n" + ReportGraph.embeddable(graphSVG) + "</div>\n</section>\n"
        body += "<section id=\"steps\"><h2>Steps</h2>\n<p class=\"note\">Click a column header to sort. Inputs link to the step that wrote them; sources to the spec line they came from.</p>\n"
        body += ReportSections.stepTable(p, files: Set(sources.map(\.path))) + "</section>\n"
        body += "<section id=\"memory\"><h2>Memory timeline</h2>\n" + ReportSections.memory(p) + "</section>\n"
        body += "<section id=\"crops\"><h2>Crop certificates</h2>\n<p class=\"note\">Every crop offset is derived from exact coordinate maps (as <code>fcngc compile --explain-crops</code> prints them).</p>\n"
        body += ReportSections.crops(crops) + "</section>\n"
        body += "<section id=\"fusion\"><h2>Fusion decisions</h2>\n" + ReportSections.fusion(p) + "</section>\n"
        body += "<section id=\"spec\"><h2>Spec sources</h2>\n" + ReportSections.sources(sources, plan: p) + "</section>\n"
        let nav = [("totals", "totals"), ("valid-sizes", "valid sizes"), ("graph", "graph"), ("steps", "steps"), ("memory", "memory"),
                   ("crops", "crops"), ("fusion", "fusion"), ("spec", "spec")]
        return HTML.page(title: "fcngc plan: \(p.model)", nav: nav.map { (anchor: $0.0, label: $0.1) }, body: body)
    }
}
