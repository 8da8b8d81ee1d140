// The graph as the passes see it, one row per node: what `fcngc compile --print-after PASS`
// prints for a graph pass (the plan passes print the plan's text dump). Columns fill in as
// the passes run: channels after infer-channels, coordinate maps and crop offsets after
// infer-crop-offsets, shapes after infer-shapes.

import FCNPlan
import FCNSpec

public enum GraphReport {
    public static func text(_ a: Analysis) -> String {
        let g = a.graph
        var t = TextTable(["id", "layer", "op", "inputs", "channels", "map (from input x)", "offset", "shape"], rightAligned: [0, 4])
        for (id, n) in g.nodes.enumerated() {
            let inputs = n.inputs.map { g[$0].name } + (n.like.map { ["like:" + g[$0].name] } ?? [])
            t.add(["\(id)", n.name, n.op.rawValue, inputs.joined(separator: ", "), n.channels > 0 ? "\(n.channels)" : "",
                   n.map?.description ?? "", n.cropOffset?.description ?? "",
                   id < a.shapes.count ? a.shapes[id].description : ""])
        }
        return "graph \(g.name): \(g.nodes.count) nodes, output '\(g.nodes.indices.contains(g.output) ? g[g.output].name : "?")'\n\n" + t.render()
    }
}
