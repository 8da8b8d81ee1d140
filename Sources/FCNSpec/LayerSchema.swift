// What a layer kind accepts, as data: the spec reader knows no layer kind by itself. The
// compiler's op registry (FCNCompiler/Ops) declares one schema per kind and hands the
// catalog to the loader, so a kind's keys are written once, in its definition.

/// A value read for a layer key, typed by its schema.
public enum AttributeValue: Hashable, Sendable {
    case int(Int), double(Double), bool(Bool), pair(Pair), word(String), doubles([Double])
}

public enum KeyType: Sendable {
    case int(min: Int)
    /// A finite number; `range` (if given) bounds it, as [lower, upper).
    case double(range: Range<Double>?)
    /// A list of finite numbers.
    case doubles
    case bool
    /// An integer for both axes, or [height, width].
    case pair(min: Int)
    /// One of the given words.
    case choice([String])
    /// The name of another layer (or 'input').
    case layerName
    /// `relu: NAME` on a conv: the layer of that kind, named NAME, added right after it.
    case followingLayer(kind: String)
    /// A key people write by habit that fcngc refuses on purpose, with why and what to do.
    case refused(message: String, fix: String?)
}

public struct KeySchema: Sendable {
    public let name: String
    public let type: KeyType
    /// Non-nil for a required key: what it means, for the missing-key message.
    public let required: String?
    public init(_ name: String, _ type: KeyType, required: String? = nil) {
        self.name = name; self.type = type; self.required = required
    }
}

public struct LayerSchema: Sendable {
    public enum Inputs: Sendable, Equatable {
        /// Reads one input (`from:` a name, default the previous layer).
        case one
        /// Reads several, listed in `from:` (at least `min`).
        case many(min: Int)
    }
    public let kind: String
    public let keys: [KeySchema]
    public let inputs: Inputs
    public init(kind: String, keys: [KeySchema], inputs: Inputs) { self.kind = kind; self.keys = keys; self.inputs = inputs }
    public func key(_ name: String) -> KeySchema? { keys.first { $0.name == name } }
}

/// The layer kinds a spec may name, each with its schema.
public struct LayerCatalog: Sendable {
    public let schemas: [LayerSchema]
    public init(_ schemas: [LayerSchema]) { self.schemas = schemas }
    public var kinds: [String] { schemas.map(\.kind) }
    public func schema(_ kind: String) -> LayerSchema? { schemas.first { $0.kind == kind } }
}
