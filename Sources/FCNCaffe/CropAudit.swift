// Every crop offset written in the prototxt, next to the one fcngc derives. The imported net
// becomes the compiler's graph IR directly (so nets the spec language cannot express are
// audited too), and the compiler's own InferCropOffsetsPass derives the offsets from exact
// coordinate maps; CropExplanation shows the derivation of any offset that disagrees. Every
// input of the net starts at the identity map.

import FCNSpec
import FCNCompiler

public struct CropAuditRow: Sendable {
    public var crop: String
    public var cropped: String
    public var reference: String
    public var written: Pair
    /// nil when the compiler could not derive one (its diagnostic says why).
    public var derived: Pair?
    public var location: SourceLocation

    public var agrees: Bool { derived == written }
}

public struct CropAudit: Sendable {
    public var rows: [CropAuditRow]
    /// The audited graph, maps and derived offsets filled in.
    public var graph: Graph
    /// The compiler's errors where an offset cannot be derived.
    public var diagnostics: [Diagnostic]

    public var disagreements: [CropAuditRow] { rows.filter { !$0.agrees } }

    public static func run(_ net: ImportedNet) -> CropAudit {
        var graph = makeGraph(net)
        let diagnostics = Diagnostics()
        InferCropOffsetsPass(diagnostics: diagnostics).run(&graph)
        var rows: [CropAuditRow] = []
        for l in net.layers where l.op == .crop {
            guard let id = graph.id(named: l.name), let written = l.writtenOffset else { continue }
            rows.append(CropAuditRow(crop: l.name, cropped: l.inputs[0], reference: l.like ?? "?", written: written,
                                     derived: graph[id].cropOffset, location: l.fieldLocations["offset"] ?? l.location))
        }
        return CropAudit(rows: rows, graph: graph, diagnostics: diagnostics.all)
    }

    /// The net as the compiler's graph: inputs first, then the layers in Caffe's order.
    static func makeGraph(_ net: ImportedNet) -> Graph {
        var nodes = net.inputs.map { Node(name: $0.name, op: .input, inputs: [], params: Params(), location: $0.location, origin: "input") }
        var index: [String: NodeID] = [:]
        for (i, n) in nodes.enumerated() { index[n.name] = i }
        for l in net.layers {
            var node = Node(name: l.name, op: opKind(l.op), inputs: l.inputs.compactMap { index[$0] }, params: l.params,
                            location: l.location, keyLocations: l.fieldLocations, origin: "caffe \(l.caffeType)")
            node.like = l.like.flatMap { index[$0] }
            index[l.name] = nodes.count
            nodes.append(node)
        }
        for (k, input) in net.inputs.enumerated() { nodes[k].params.out = input.channels ?? 3 }
        let outputs = net.outputs.compactMap { index[$0] }
        return Graph(name: net.name, nodes: nodes, outputs: outputs.isEmpty ? [nodes.count - 1] : outputs, classes: nil)
    }

    /// The compiler's kind for an imported layer.
    static func opKind(_ op: ImportedOp) -> OpKind {
        switch op {
        case .conv: return .conv
        case .deconv: return .deconv
        case .relu: return .relu
        case .pool: return .pool
        case .lrn: return .lrn
        case .dropout: return .dropout
        case .scale: return .scale
        case .crop: return .crop
        case .sum: return .sum
        case .concat: return .concat
        }
    }

    static func show(_ p: Pair?) -> String {
        guard let p else { return "-" }
        return p.h == p.w ? "\(p.h)" : "\(p.h),\(p.w)"
    }

    /// The audit table, then the derivation of every offset that disagrees.
    public func text(prototxt: String) -> String {
        guard !rows.isEmpty else { return "crop offsets: \(prototxt) has no Crop layers\n" }
        var t = TextTable(["crop", "crops", "to the size of", "prototxt", "derived", "check"], rightAligned: [3, 4])
        for r in rows {
            t.add([r.crop, r.cropped, r.reference, Self.show(r.written), Self.show(r.derived),
                   r.derived == nil ? "NOT DERIVABLE" : (r.agrees ? "agrees" : "DISAGREES")])
        }
        var out = "crop offsets written in \(prototxt), each checked against fcngc's derivation:\n\n" + t.render() + "\n"
        let bad = disagreements.filter { $0.derived != nil }
        let explanations = CropExplanation.all(graph).filter { e in bad.contains { $0.crop == e.crop } }
        for e in explanations { out += "\n" + e.text + "\n" }
        let agree = rows.filter(\.agrees).count
        out += "\n\(agree) of \(rows.count) written offset\(rows.count == 1 ? "" : "s") agree\(agree == 1 && rows.count == 1 ? "s" : "") with the derivation\n"
        return out
    }
}
