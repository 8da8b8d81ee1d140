// Why each crop offset is what it is: the chain of coordinate maps from the nearest
// common ancestor of the cropped node X and its reference R to each of them, the two
// composed maps, and M_R ∘ M_X⁻¹, whose constant term is minus the offset.

import FCNPlan
import FCNSpec

public struct CropExplanation: Codable, Sendable {
    public struct Link: Codable, Sendable {
        public var layer: String
        public var op: String
        public var map: String        // this layer's own map
        public var cumulative: String // from the common ancestor to here
    }
    public var crop: String
    public var cropped: String
    public var reference: String
    public var ancestor: String
    public var croppedChain: [Link]
    public var referenceChain: [Link]
    public var relative: String
    public var offset: [Int]

    public static func all(_ g: Graph) -> [CropExplanation] {
        g.nodes.filter { $0.op == .crop && $0.cropOffset != nil }.map { explain($0, g) }
    }

    /// Node ids from `id` back to the input, following first inputs only (a crop's
    /// reference is not on its coordinate path).
    static func ancestry(_ id: NodeID, _ g: Graph) -> [NodeID] {
        var out = [id], cur = id
        while let next = g[cur].inputs.first { out.append(next); cur = next }
        return out
    }

    static func explain(_ n: Node, _ g: Graph) -> CropExplanation {
        let x = n.inputs[0], r = n.like ?? 0
        let ax = ancestry(x, g), ar = ancestry(r, g)
        let common = ar.first { ax.contains($0) } ?? 0
        func chain(_ path: [NodeID]) -> [Link] {
            let upTo = path.prefix { $0 != common }.reversed().filter { g[$0].op.definition.coord != .elementwise }
            var cum = CoordMap.identity
            return upTo.map { id in
                let node = g[id]
                let own = InferCropOffsetsPass.layerMap(node) ?? .identity
                cum = own.after(cum)
                return Link(layer: node.name, op: describe(node), map: own.description, cumulative: cum.description)
            }
        }
        let rel = (g[r].map ?? .identity).after((g[x].map ?? .identity).inverse)
        return CropExplanation(crop: n.name, cropped: g[x].name, reference: g[r].name, ancestor: g[common].name,
                               croppedChain: chain(ax), referenceChain: chain(ar), relative: rel.description,
                               offset: [n.cropOffset?.h ?? 0, n.cropOffset?.w ?? 0])
    }

    static func describe(_ n: Node) -> String {
        let p = n.params
        switch n.op.definition.coord {
        case .convLike, .deconvLike:
            var s = "\(n.op.rawValue) k\(p.kernel) s\(p.stride) p\(p.pad)"
            if p.dilation != Pair(1) { s += " d\(p.dilation)" }
            return s
        case .crop: return "crop \(n.cropOffset.map { $0.description } ?? "?")"
        case .elementwise, .source: return n.op.rawValue
        case .resample: return "\(n.op.rawValue) to the size of its reference"
        }
    }

    public var text: String {
        var lines = ["\(crop): crop '\(cropped)' to the size of '\(reference)'  =>  offset \(offset[0] == offset[1] ? "\(offset[0])" : "\(offset[0]),\(offset[1])")"]
        lines.append("  common ancestor: \(ancestor)  (x = its coordinates)")
        for (label, links, end) in [("cropped", croppedChain, cropped), ("reference", referenceChain, reference)] {
            lines.append("  \(label) path to '\(end)':" + (links.isEmpty ? " (is the ancestor) x" : ""))
            for l in links {
                lines.append("    " + l.layer.padding(toLength: max(14, l.layer.count), withPad: " ", startingAt: 0)
                             + " " + l.op.padding(toLength: max(22, l.op.count), withPad: " ", startingAt: 0)
                             + " " + l.map.padding(toLength: max(16, l.map.count), withPad: " ", startingAt: 0) + " => " + l.cumulative)
            }
        }
        let shift = offset[0] == offset[1] ? "[i + \(offset[0])]" : "[y + \(offset[0]), x + \(offset[1])]"
        let at = offset[0] == offset[1] ? "[i]" : "[y, x]"
        lines.append("  \(reference) ∘ \(cropped)⁻¹ = \(relative)  =>  \(cropped)\(shift) lines up with \(reference)\(at)")
        return lines.joined(separator: "\n")
    }
}
