// A composed YAML document: scalars, sequences and mappings, each with the source range
// it was read from. Mappings keep their key order (specs are read top to bottom) and
// duplicate keys are rejected by the composer, so a mapping is a plain list of pairs.

public struct YAMLNode: Sendable {
    public enum Value: Sendable {
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public var value: Value
    public var start: SourceLocation
    public var end: SourceLocation

    public init(_ value: Value, start: SourceLocation, end: SourceLocation) {
        self.value = value
        self.start = start
        self.end = end
    }

    public var scalar: String? {
        if case .scalar(let s, _) = value { return s }
        return nil
    }

    public var isNull: Bool {
        if case .scalar(let s, let quoted) = value, !quoted {
            return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
        }
        return false
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = value { return pairs }
        return nil
    }

    /// The value under a scalar key, if this is a mapping that has it.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// What kind of YAML value this is, for "expected X, found Y" messages.
    public var kindName: String {
        switch value {
        case .scalar(let s, let quoted):
            if isNull { return "null" }
            if !quoted, Int(s) != nil { return "integer \(s)" }
            if !quoted, Double(s) != nil { return "number \(s)" }
            return "string '\(s)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// Number of nodes in this subtree (the unit of the alias-expansion budget).
    public var nodeCount: Int {
        switch value {
        case .scalar: return 1
        case .sequence(let items): return 1 + items.reduce(0) { $0 + $1.nodeCount }
        case .mapping(let pairs): return 1 + pairs.reduce(0) { $0 + $1.key.nodeCount + $1.value.nodeCount }
        }
    }
}
