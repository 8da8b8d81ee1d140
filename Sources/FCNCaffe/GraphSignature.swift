// What must be equal for two graphs to be the same net: per layer name, its kind, its
// attributes, what it reads and its crop offset. Dropout layers are left out (identity at
// inference; the shipped VGG16 has drop6/drop7, a deploy.prototxt has none) and whatever
// read them reads their input instead. A net's only input is called `input` (Caffe's `data`
// is a spec's `input`); several inputs keep their names (Caffe's tops, the spec's `inputs:`).
// The importer compiles the spec it wrote and compares it with the prototxt's net this way.

import FCNSpec
import FCNCompiler

struct NodeSignature: Equatable, CustomStringConvertible {
    var op: OpKind
    var params: Params
    var inputs: [String]
    var like: String?
    var offset: Pair?

    var description: String {
        let p = params
        var s = "\(op.rawValue) reading \(inputs.joined(separator: ", "))"
        if let like { s += " like \(like)" }
        if let offset { s += " offset \(offset)" }
        switch op {
        case .conv, .deconv: s += " out \(p.out) kernel \(p.kernel) stride \(p.stride) pad \(p.pad) group \(p.group) bias \(p.bias)"
        case .pool: s += " \(p.method.rawValue) kernel \(p.kernel) stride \(p.stride) pad \(p.pad) \(p.rounding.rawValue)"
        case .scale: s += " value \(p.value)"
        case .lrn: s += " size \(p.lrnSize) alpha \(p.alpha) beta \(p.beta) k \(p.lrnK)"
        case .input, .relu, .dropout, .crop, .sum, .batchnorm, .concat, .resize: break
        }
        if let u = p.upsampler { s += " \(u.rawValue) (learn \(p.learn), init \(p.initializer?.rawValue ?? "-"))" }
        return s
    }
}

enum GraphSignature {
    /// Layer name -> signature, dropout removed and bypassed; input nodes named `input` when
    /// there is one (unless `namedInputs`), else by their names.
    static func of(_ g: Graph, namedInputs: Bool? = nil) -> [String: NodeSignature] {
        let named = namedInputs ?? (g.nodes.filter { $0.op == .input }.count > 1)
        var resolved: [NodeID: String] = [:]
        func name(_ id: NodeID) -> String {
            if let r = resolved[id] { return r }
            let n = g[id]
            let r: String
            switch n.op {
            case .input: r = named ? n.name : "input"
            case .dropout: r = n.inputs.first.map(name) ?? "input"
            case .conv, .deconv, .relu, .pool, .lrn, .scale, .crop, .sum, .batchnorm, .concat, .resize: r = n.name
            }
            resolved[id] = r
            return r
        }
        var out: [String: NodeSignature] = [:]
        for (id, n) in g.nodes.enumerated() where n.op != .input && n.op != .dropout {
            out[n.name] = NodeSignature(op: n.op, params: n.params, inputs: n.inputs.map(name),
                                        like: n.like.map(name), offset: n.cropOffset)
            _ = id
        }
        return out
    }

    /// The first difference between two signatures, for the error message; nil if equal.
    static func difference(_ a: [String: NodeSignature], _ b: [String: NodeSignature]) -> String? {
        for k in Set(a.keys).union(b.keys).sorted() {
            switch (a[k], b[k]) {
            case let (x?, y?) where x != y: return "layer '\(k)': prototxt \(x); spec \(y)"
            case (nil, .some): return "layer '\(k)' is in the spec but not in the prototxt"
            case (.some, nil): return "layer '\(k)' is in the prototxt but not in the spec"
            default: continue
            }
        }
        return nil
    }
}
