// YAML-node surgery for block expansion: marking a template's nodes as generated through
// an instance, moving a param's value to the `$param` it replaces, and mapping the layer
// references of one layer mapping (`from:` and the kind's layer-name keys).

extension YAMLNode {
    /// This subtree with every location marked as generated through `chain` (innermost first).
    func instantiated(_ chain: [InstanceSite]) -> YAMLNode {
        var start = self.start, end = self.end
        // Template nodes carry no chain of their own: share the instance's (no copy per node).
        start.instantiation = start.instantiation.isEmpty ? chain : chain + start.instantiation
        end.instantiation = end.instantiation.isEmpty ? chain : chain + end.instantiation
        switch value {
        case .scalar: return YAMLNode(value, start: start, end: end)
        case .sequence(let items): return YAMLNode(.sequence(items.map { $0.instantiated(chain) }), start: start, end: end)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { ($0.key.instantiated(chain), $0.value.instantiated(chain)) }), start: start, end: end)
        }
    }

    /// This subtree with every location moved to `location`: a param's value, substituted
    /// for `$param` in a template, is reported where the template uses it.
    func relocated(to location: SourceLocation) -> YAMLNode {
        switch value {
        case .scalar: return YAMLNode(value, start: location, end: location)
        case .sequence(let items): return YAMLNode(.sequence(items.map { $0.relocated(to: location) }), start: location, end: location)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { ($0.key.relocated(to: location), $0.value.relocated(to: location)) }), start: location, end: location)
        }
    }

    /// A plain scalar at `location`.
    static func word(_ s: String, at location: SourceLocation) -> YAMLNode {
        YAMLNode(.scalar(s, quoted: false), start: location, end: location)
    }
}

/// What a key of a layer mapping is, for expansion.
enum LayerKeyRole {
    /// `from:` or a layer-name key (`like:`): names other layers.
    case reference
    /// A key that names a layer this one adds (a conv's `relu: NAME`).
    case addsLayer
    /// Anything else: a value.
    case value

    init(_ key: String, in schema: LayerSchema?) {
        if key == "from" { self = .reference; return }
        switch schema?.key(key)?.type {
        case .layerName?: self = .reference
        case .followingLayer?: self = .addsLayer
        case .int?, .double?, .doubles?, .bool?, .pair?, .choice?, .refused?, nil: self = .value
        }
    }
}

extension LayerCatalog {
    /// `layer` with every layer name it refers to passed through `rename`.
    func mapReferences(_ layer: YAMLNode, _ rename: (String) -> String) -> YAMLNode {
        guard let pairs = layer.mapping, let kind = pairs.first?.key.scalar else { return layer }
        let schema = schema(kind)
        func names(_ node: YAMLNode) -> YAMLNode {
            switch node.value {
            case .scalar(let s, let quoted):
                let r = rename(s)
                return r == s ? node : YAMLNode(.scalar(r, quoted: quoted), start: node.start, end: node.end)
            case .sequence(let items): return YAMLNode(.sequence(items.map(names)), start: node.start, end: node.end)
            case .mapping: return node
            }
        }
        let mapped = pairs.enumerated().map { i, p in
            i > 0 && LayerKeyRole(p.key.scalar ?? "", in: schema) == .reference ? (p.key, names(p.value)) : p
        }
        return YAMLNode(.mapping(mapped), start: layer.start, end: layer.end)
    }
}
