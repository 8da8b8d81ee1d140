// Reads a list of layers. Each layer is a mapping whose FIRST key names its kind and whose
// value is the layer's name: `{conv: conv1_1, out: 64, kernel: 3, pad: 100}`. Other keys are
// the kind's attributes (see OpKind's table). `from:` names inputs (default: the previous
// layer). `defaults:` supply attributes per kind. A conv may carry `relu: NAME`, which adds
// the ReLU layer after it, so a VGG stage is one line per convolution.

public struct LayerReader {
    public let diagnostics: Diagnostics
    public let context: String

    public init(diagnostics: Diagnostics, context: String) {
        self.diagnostics = diagnostics
        self.context = context
    }

    /// Reads `defaults: {conv: {kernel: 3}, pool: {...}}`.
    public func readDefaults(_ node: YAMLNode?) -> [OpKind: YAMLNode] {
        guard let node, let r = MappingReader(node, context: "defaults", diagnostics: diagnostics) else { return [:] }
        var out: [OpKind: YAMLNode] = [:]
        for key in r.keys {
            guard let op = OpKind(rawValue: key), op != .input, let v = r.raw(key) else { continue }
            guard let pairs = v.mapping else {
                diagnostics.error(.wrongType, "defaults for '\(key)' must be a mapping, found \(v.kindName)", at: v.start)
                continue
            }
            // Checked here, once, against the kind's keys in OpKind's table; only known keys reach the layers.
            let known = op.info.keys.filter { $0 != "relu" }
            for (k, _) in pairs where !known.contains(k.scalar ?? "") {
                let hint = Suggest.closest(k.scalar ?? "", in: known)
                diagnostics.error(.unknownKey, "unknown key '\(k.scalar ?? "")' in defaults for '\(key)'" + (hint.map { "; did you mean '\($0)'?" } ?? ""),
                                  at: k.start, fix: hint.map { "write '\($0)'" })
            }
            out[op] = YAMLNode(.mapping(pairs.filter { known.contains($0.key.scalar ?? "") }), start: v.start, end: v.end)
        }
        r.finish(allowed: OpKind.writable.map(\.rawValue))
        return out
    }

    public func readLayers(_ node: YAMLNode, defaults: [OpKind: YAMLNode] = [:]) -> [LayerSpec] {
        guard let items = node.sequence else {
            diagnostics.error(.wrongType, "'layers' in \(context) must be a list, found \(node.kindName)", at: node.start)
            return []
        }
        return items.flatMap { readLayer($0, defaults: defaults) }
    }

    func readLayer(_ node: YAMLNode, defaults: [OpKind: YAMLNode]) -> [LayerSpec] {
        guard let pairs = node.mapping, let first = pairs.first, let opWord = first.key.scalar else {
            diagnostics.error(.wrongType, "a layer must be a mapping like {conv: NAME, ...}, found \(node.kindName)", at: node.start)
            return []
        }
        guard let op = OpKind(rawValue: opWord), op != .input else {
            let kinds = OpKind.writable.map(\.rawValue)
            let hint = Suggest.closest(opWord, in: kinds)
            diagnostics.error(.unknownOp, "unknown layer kind '\(opWord)'; a layer's first key is its kind, one of \(kinds.joined(separator: ", "))"
                              + (hint.map { "; did you mean '\($0)'?" } ?? ""), at: first.key.start, fix: hint.map { "write '\($0)'" })
            return []
        }
        guard let name = first.value.scalar, !first.value.isNull, !name.isEmpty else {
            diagnostics.error(.wrongType, "the value of '\(opWord)' is the layer's name, found \(first.value.kindName)", at: first.value.start)
            return []
        }
        var merged = node
        if let d = defaults[op] { merged = SpecFiles.merge(d, over: node) }
        guard let r = MappingReader(merged, context: "layer '\(name)'", diagnostics: diagnostics) else { return [] }
        r.markSeen(opWord)
        var layer = LayerSpec(op: op, name: name, location: first.value.start)
        layer.inputs = readFrom(r)
        var extra: [LayerSpec] = []
        switch op {
        case .conv, .deconv:
            layer.out = r.int("out", min: 1)
            layer.kernel = r.pair("kernel", min: 1)
            layer.stride = r.pair("stride", min: 1)
            layer.pad = r.pair("pad", min: 0)
            layer.dilation = r.pair("dilation", min: 1)
            layer.group = r.int("group", min: 1)
            layer.bias = r.bool("bias")
            if op == .conv {
                if layer.out == nil, !r.has("out") { _ = r.require("out", "the number of output channels") }
                if layer.kernel == nil, !r.has("kernel") { _ = r.require("kernel", "the kernel size") }
                if let relu = r.string("relu") {
                    extra.append(LayerSpec(op: .relu, name: relu.value, location: relu.location))
                }
            } else {
                layer.initializer = r.choice("init", UpsampleInit.self, ["bilinear", "random", "zeros"])
                layer.learn = r.bool("learn")
                if layer.stride == nil, !r.has("stride") { _ = r.require("stride", "the upsampling factor") }
            }
        case .pool:
            layer.method = r.choice("method", PoolMethod.self, ["max", "avg"])
            layer.kernel = r.pair("kernel", min: 1)
            layer.stride = r.pair("stride", min: 1)
            layer.pad = r.pair("pad", min: 0)
            layer.rounding = r.choice("rounding", Rounding.self, ["ceil", "floor"])
            if layer.kernel == nil, !r.has("kernel") { _ = r.require("kernel", "the window size") }
        case .lrn:
            layer.lrnSize = r.int("size", min: 1)
            layer.alpha = r.double("alpha")
            layer.beta = r.double("beta")
            layer.lrnK = r.double("k")
        case .dropout:
            layer.ratio = r.double("ratio")
            if let ratio = layer.ratio, !(0..<1).contains(ratio.value) {
                diagnostics.error(.badValue, "dropout ratio must be in [0, 1), found \(ratio.value)", at: ratio.location)
            }
        case .scale:
            layer.value = r.double("value")
            if layer.value == nil, !r.has("value") { _ = r.require("value", "the constant factor") }
        case .crop:
            layer.like = r.string("like")
            if layer.like == nil, !r.has("like") { _ = r.require("like", "the layer (or 'input') whose size to crop to") }
        case .sum:
            if layer.inputs.count < 2, r.has("from") {
                diagnostics.error(.badValue, "sum '\(name)' needs at least two inputs in 'from'", at: r.keyLocation("from"))
            } else if !r.has("from") {
                _ = r.require("from", "the layers to add")
            }
        case .relu, .input:
            break
        }
        if !op.info.manyInputs, layer.inputs.count > 1 {
            diagnostics.error(.badValue, "\(op.rawValue) '\(name)' reads one input, but 'from' lists \(layer.inputs.count)",
                              at: r.keyLocation("from"), fix: op == .crop ? "name the layer to crop to in 'like'" : "add them first with a sum layer")
        }
        if op == .crop, let at = r.keyLocation("offset") {
            r.markSeen("offset")
            diagnostics.error(.unknownKey, "crop offsets are derived by fcngc from the layers' coordinate maps, never written; remove 'offset'",
                              at: at, fix: "see `fcngc compile --explain-crops` for the offset it derives")
        }
        r.finish()
        return [layer] + extra
    }

    func readFrom(_ r: MappingReader) -> [Located<String>] {
        guard let v = r.raw("from") else { return [] }
        if let s = v.scalar, !v.isNull { return [Located(s, at: v.start)] }
        if let items = v.sequence, !items.isEmpty {
            var out: [Located<String>] = []
            for item in items {
                guard let s = item.scalar, !item.isNull else {
                    diagnostics.error(.wrongType, "'from' must list layer names, found \(item.kindName)", at: item.start)
                    continue
                }
                out.append(Located(s, at: item.start))
            }
            return out
        }
        diagnostics.error(.wrongType, "'from' must be a layer name or a list of them, found \(v.kindName)", at: v.start)
        return []
    }
}
