// The graph's invariants, checked after every graph pass in debug builds and by the tests
// (the graph-side twin of FCNPlan's VerifyPlan): the inputs come first; nodes are in
// topological order (every input and `like` reference is an earlier node); names are unique;
// each node reads as many inputs as its op's definition says; after infer-channels every
// node has channels; after infer-crop-offsets every crop has its offset and every node its
// coordinate map; after infer-shapes there is one positive shape per node.

import FCNPlan
import FCNSpec

public enum VerifyGraph {
    static let order = Pipeline.passNames

    public static func problems(_ a: Analysis, after pass: String) -> [String] {
        let g = a.graph
        var out: [String] = []
        let done = { (p: String) in (order.firstIndex(of: p) ?? 0) <= (order.firstIndex(of: pass) ?? 0) }
        guard !g.nodes.isEmpty else { return ["the graph has no nodes"] }
        if g.nodes[0].op != .input { out.append("node 0 is '\(g.nodes[0].name)', not the input") }
        for o in g.outputs where !g.nodes.indices.contains(o) || g.nodes[o].op == .input { out.append("the output v\(o) is not a layer") }
        if g.outputs.isEmpty { out.append("the graph has no output") }
        var names = Set<String>()
        for (id, n) in g.nodes.enumerated() {
            if !names.insert(n.name).inserted { out.append("two nodes are named '\(n.name)'") }
            if id > 0, n.op == .input, g.nodes[id - 1].op != .input { out.append("node \(id) '\(n.name)' is an input after a layer") }
            for j in n.inputs + (n.like.map { [$0] } ?? []) where j < 0 || j >= id {
                out.append("node \(id) '\(n.name)' reads v\(j), which is not an earlier node")
            }
            switch n.op.definition.inputs {
            case .one where n.op != .input && n.inputs.count != 1: out.append("'\(n.name)' reads \(n.inputs.count) inputs, its op reads one")
            case .many(let min) where n.inputs.count < min: out.append("'\(n.name)' reads \(n.inputs.count) inputs, its op at least \(min)")
            case .one, .many: break
            }
            if n.op == .crop, n.like == nil { out.append("crop '\(n.name)' has no reference") }
            if done("infer-channels"), n.channels < 1 { out.append("'\(n.name)' has \(n.channels) channels") }
            if done("infer-crop-offsets") {
                if n.map == nil { out.append("'\(n.name)' has no coordinate map") }
                if n.op == .crop, n.cropOffset == nil { out.append("crop '\(n.name)' has no offset") }
            }
        }
        if done("infer-shapes") {
            if a.shapes.count != g.nodes.count { out.append("\(a.shapes.count) shapes for \(g.nodes.count) nodes") }
            for (id, s) in a.shapes.enumerated() where s.c < 1 || s.h < 1 || s.w < 1 || (id < g.nodes.count && s.c != g[id].channels) {
                out.append("'\(id < g.nodes.count ? g[id].name : "v\(id)")' has shape \(s)")
            }
        }
        return out
    }
}
