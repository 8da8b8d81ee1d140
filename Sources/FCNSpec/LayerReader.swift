// Reads a list of layers. Each layer is a mapping whose FIRST key names its kind and whose
// value is the layer's name: `{conv: conv1_1, out: 64, kernel: 3, pad: 100}`. Other keys are
// the kind's attributes, read as its schema says (the catalog comes from the compiler's op
// registry: this reader knows no kind by itself). `from:` names inputs (default: the
// previous layer). `defaults:` supply attributes per kind. A key of type followingLayer
// (a conv's `relu: NAME`) adds that layer after it, so a VGG stage is one line per convolution.

public struct LayerReader {
    public let diagnostics: Diagnostics
    public let context: String
    public let catalog: LayerCatalog

    public init(diagnostics: Diagnostics, context: String, catalog: LayerCatalog) {
        self.diagnostics = diagnostics
        self.context = context
        self.catalog = catalog
    }

    /// Reads `defaults: {conv: {kernel: 3}, pool: {...}}`.
    public func readDefaults(_ node: YAMLNode?) -> [String: YAMLNode] {
        guard let node, let r = MappingReader(node, context: "defaults", diagnostics: diagnostics) else { return [:] }
        var out: [String: YAMLNode] = [:]
        for key in r.keys {
            guard let schema = catalog.schema(key), let v = r.raw(key) else { continue }
            guard let pairs = v.mapping else {
                diagnostics.error(.wrongType, "defaults for '\(key)' must be a mapping, found \(v.kindName)", at: v.start)
                continue
            }
            // Checked here, once, against the kind's schema; only known keys reach the layers.
            let known = schema.keys.filter(\.type.isDefaultable).map(\.name)
            for (k, _) in pairs where !known.contains(k.scalar ?? "") {
                let hint = Suggest.closest(k.scalar ?? "", in: known)
                diagnostics.error(.unknownKey, "unknown key '\(k.scalar ?? "")' in defaults for '\(key)'" + (hint.map { "; did you mean '\($0)'?" } ?? ""),
                                  at: k.start, fix: hint.map { "write '\($0)'" })
            }
            out[key] = YAMLNode(.mapping(pairs.filter { known.contains($0.key.scalar ?? "") }), start: v.start, end: v.end)
        }
        r.finish(allowed: catalog.kinds)
        return out
    }

    public func readLayers(_ node: YAMLNode, defaults: [String: YAMLNode] = [:]) -> [LayerSpec] {
        readLayers(node, defaults: defaults, blocks: BlockTable()).layers
    }

    /// The layers of a list, block instances expanded (BlockExpansion.swift), and the names
    /// that stand for layers (block instances, layers dropped by `when:`).
    public func readLayers(_ node: YAMLNode, defaults: [String: YAMLNode], blocks: BlockTable)
        -> (layers: [LayerSpec], aliases: [String: Located<String>]) {
        guard let items = node.sequence else {
            diagnostics.error(.wrongType, "'layers' in \(context) must be a list, found \(node.kindName)", at: node.start)
            return ([], [:])
        }
        let expanded = BlockExpander(diagnostics: diagnostics, catalog: catalog, blocks: blocks).expand(items)
        return (expanded.nodes.flatMap { readLayer($0, defaults: defaults) }, expanded.aliases)
    }

    func readLayer(_ node: YAMLNode, defaults: [String: YAMLNode]) -> [LayerSpec] {
        guard let pairs = node.mapping, let first = pairs.first, let kind = first.key.scalar else {
            diagnostics.error(.wrongType, "a layer must be a mapping like {conv: NAME, ...}, found \(node.kindName)", at: node.start)
            return []
        }
        guard let schema = catalog.schema(kind) else {
            let hint = Suggest.closest(kind, in: catalog.kinds)
            diagnostics.error(.unknownOp, "unknown layer kind '\(kind)'; a layer's first key is its kind, one of \(catalog.kinds.joined(separator: ", "))"
                              + (hint.map { "; did you mean '\($0)'?" } ?? ""), at: first.key.start, fix: hint.map { "write '\($0)'" })
            return []
        }
        guard let name = first.value.scalar, !first.value.isNull, !name.isEmpty else {
            diagnostics.error(.wrongType, "the value of '\(kind)' is the layer's name, found \(first.value.kindName)", at: first.value.start)
            return []
        }
        var merged = node
        if let d = defaults[kind] { merged = SpecFiles.merge(d, over: node) }
        guard let r = MappingReader(merged, context: "layer '\(name)'", diagnostics: diagnostics) else { return [] }
        r.markSeen(kind)
        var layer = LayerSpec(kind: kind, name: name, location: first.value.start)
        layer.inputs = readFrom(r)
        var extra: [LayerSpec] = []
        for key in schema.keys {
            if let value = read(key, r, kind: kind) {
                if case .followingLayer(let next) = key.type, case .word(let n) = value.value {
                    extra.append(LayerSpec(kind: next, name: n, location: value.location))
                } else {
                    layer.attributes[key.name] = value
                }
            } else if let what = key.required, !r.has(key.name) {
                _ = r.require(key.name, what)
            }
        }
        switch schema.inputs {
        case .many(let min):
            if layer.inputs.count < min, r.has("from") {
                diagnostics.error(.badValue, "\(kind) '\(name)' needs at least \(min == 2 ? "two" : String(min)) inputs in 'from'", at: r.keyLocation("from"))
            } else if !r.has("from") {
                _ = r.require("from", "the layers it reads")
            }
        case .one:
            if layer.inputs.count > 1 {
                let reference = schema.keys.first { if case .layerName = $0.type { return true } else { return false } }
                diagnostics.error(.badValue, "\(kind) '\(name)' reads one input, but 'from' lists \(layer.inputs.count)",
                                  at: r.keyLocation("from"), fix: reference.map { "name the layer to \(kind) to in '\($0.name)'" } ?? "add them first with a sum layer")
            }
        }
        r.finish()
        return [layer] + extra
    }

    /// One key by its schema: nil when absent or wrong (the reader reported why).
    func read(_ key: KeySchema, _ r: MappingReader, kind: String) -> Located<AttributeValue>? {
        switch key.type {
        case .int(let min):
            return r.int(key.name, min: min).map { Located(.int($0.value), at: $0.location) }
        case .double(let range):
            guard let d = r.double(key.name) else { return nil }
            if let range, !range.contains(d.value) {
                diagnostics.error(.badValue, "\(kind) \(key.name) must be in [\(number(range.lowerBound)), \(number(range.upperBound))), found \(d.value)", at: d.location)
                return nil
            }
            return Located(.double(d.value), at: d.location)
        case .bool:
            return r.bool(key.name).map { Located(.bool($0.value), at: $0.location) }
        case .doubles:
            guard let v = r.raw(key.name), let ds = r.doubles(key.name) else { return nil }
            return Located(.doubles(ds), at: v.start)
        case .pair(let min):
            return r.pair(key.name, min: min).map { Located(.pair($0.value), at: $0.location) }
        case .choice(let options):
            return r.word(key.name, among: options).map { Located(.word($0.value), at: $0.location) }
        case .layerName, .followingLayer:
            return r.string(key.name).map { Located(.word($0.value), at: $0.location) }
        case .refused(let message, let fix):
            if let at = r.keyLocation(key.name) {
                r.markSeen(key.name)
                diagnostics.error(.unknownKey, message, at: at, fix: fix)
            }
            return nil
        }
    }

    func number(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }

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

extension KeyType {
    /// Whether `defaults:` may supply this key (a name or a refused key may not).
    var isDefaultable: Bool {
        switch self {
        case .int, .double, .doubles, .bool, .pair, .choice: return true
        case .layerName, .followingLayer, .refused: return false
        }
    }
}
