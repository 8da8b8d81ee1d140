// The spec as values: what a model file and its backbone say, every value with the
// location it was read from. Nothing here is derived; the compiler derives.

/// Spatial parameters are per axis (height, width); a scalar in YAML means both.
public struct Pair: Hashable, Codable, Sendable, CustomStringConvertible {
    public var h: Int
    public var w: Int
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
    public init(_ v: Int) { self.h = v; self.w = v }
    public var isSquare: Bool { h == w }
    public var description: String { isSquare ? "\(h)" : "\(h)x\(w)" }
    public subscript(axis: Int) -> Int { axis == 0 ? h : w }
}

public struct Located<T: Sendable>: Sendable {
    public var value: T
    public var location: SourceLocation
    public init(_ value: T, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// One layer as written (or as generated from a compact form). Attribute values keep
/// the location of their key so errors point at the exact key.
public struct LayerSpec: Sendable {
    /// The layer kind as written (a kind of the catalog the spec was read with).
    public var kind: String
    public var name: String
    public var location: SourceLocation
    /// Explicit inputs (`from:`); empty means "the previous layer".
    public var inputs: [Located<String>] = []
    /// The keys written (and defaults supplied), typed by the kind's schema.
    public var attributes: [String: Located<AttributeValue>] = [:]

    public init(kind: String, name: String, location: SourceLocation) {
        self.kind = kind
        self.name = name
        self.location = location
    }

    public func int(_ key: String) -> Located<Int>? {
        guard let a = attributes[key], case .int(let v) = a.value else { return nil }
        return Located(v, at: a.location)
    }
    public func double(_ key: String) -> Located<Double>? {
        guard let a = attributes[key], case .double(let v) = a.value else { return nil }
        return Located(v, at: a.location)
    }
    public func bool(_ key: String) -> Located<Bool>? {
        guard let a = attributes[key], case .bool(let v) = a.value else { return nil }
        return Located(v, at: a.location)
    }
    public func pair(_ key: String) -> Located<Pair>? {
        guard let a = attributes[key], case .pair(let v) = a.value else { return nil }
        return Located(v, at: a.location)
    }
    public func doubles(_ key: String) -> Located<[Double]>? {
        guard let a = attributes[key], case .doubles(let v) = a.value else { return nil }
        return Located(v, at: a.location)
    }
    public func word(_ key: String) -> Located<String>? {
        guard let a = attributes[key], case .word(let v) = a.value else { return nil }
        return Located(v, at: a.location)
    }
    public mutating func set(_ key: String, _ value: AttributeValue, at location: SourceLocation) {
        attributes[key] = Located(value, at: location)
    }
}

public struct BackboneSpec: Sendable {
    public var name: String
    public var file: String
    public var layers: [LayerSpec]
    /// Names that stand for a layer (block instances, layers dropped by `when:`), for
    /// references from the model file; references within the backbone are already resolved.
    /// Keys and values as written in the backbone file (without `prefix` and `suffix`).
    public var blockAliases: [String: Located<String>] = [:]
    /// Written before / after every layer name of this backbone (`backbone: {file:, prefix:}`),
    /// already applied to `layers` (names and references) by the loader.
    public var prefix = ""
    public var suffix = ""
    /// The network input this backbone's first layer reads (nil: the first input).
    public var input: Located<String>?
    public init(name: String, file: String, layers: [LayerSpec]) {
        self.name = name; self.file = file; self.layers = layers
    }
}

public struct InputSpec: Sendable {
    public enum ChannelOrder: String, Codable, Sendable { case rgb, bgr }
    /// The name layers read it by: `input` for the single `input:`, the key under `inputs:`.
    public var name = "input"
    public var channels: Located<Int>
    public var order: ChannelOrder = .rgb
    public var mean: [Double] = []
    public var scale: Double = 1
    /// Per-channel divisor after the mean (torchvision's std); empty means 1.
    public var std: [Double] = []
    /// The example size `fcngc compile` uses when `--input` is not given.
    public var size: Located<Pair>?
    /// The `input:` key (nil when the spec has none): where diagnostics about the input point.
    public var location: SourceLocation?
}

/// How a head's upsamplers start: the words `init:` accepts.
public let upsamplerInitWords = ["bilinear", "random", "zeros"]

/// Defaults for the upsamplers of a classic head.
public struct UpsampleDefaults: Sendable {
    public var initializer: String = "bilinear"
    public var learn: Bool = false
    public var location: SourceLocation?
}

/// One rung of the classic FCN ladder: upsample by `upsample`, then (optionally) add a
/// scored, cropped skip tap.
public struct HeadStep: Sendable {
    public var location: SourceLocation
    public var upsample: Located<Int>
    public var skip: Located<String>?
    public var scale: Located<Double>?
    public var kernel: Located<Int>?
    public var initializer: Located<String>?
    public var learn: Located<Bool>?
}

public struct HeadSpec: Sendable {
    public var location: SourceLocation
    public var score: Located<String>
    public var upsample: UpsampleDefaults
    public var steps: [HeadStep]
}

public struct ModelSpec: Sendable {
    public var name: String
    public var file: String
    public var location: SourceLocation
    /// The network inputs, in order (`input:` is one named `input`; `inputs:` names several).
    public var inputs: [InputSpec]
    public var classes: Located<Int>?
    /// `classes: [background, aeroplane, ...]`: the names, one per class (nil for a count).
    public var classNames: [String]?
    /// The backbones (`backbone:`, or several streams under `backbones:`), in order.
    public var backbones: [BackboneSpec] = []
    public var head: HeadSpec?
    /// Explicit layers after the backbone (for heads that are not the classic ladder).
    public var graph: [LayerSpec] = []
    /// Names that stand for a layer in `graph:` (block instances, layers dropped by `when:`).
    /// Every reference in the spec has been resolved through them and the backbones'.
    public var blockAliases: [String: Located<String>] = [:]
    /// The layers whose outputs are the network's outputs, primary first (empty: the last layer).
    public var outputs: [Located<String>] = []

    public init(name: String, file: String, location: SourceLocation, input: InputSpec) {
        self.name = name; self.file = file; self.location = location; self.inputs = [input]
    }

    /// The first (for most models the only) input.
    public var input: InputSpec {
        get { inputs[0] }
        set { inputs[0] = newValue }
    }
    /// The first backbone (nil when the model has none).
    public var backbone: BackboneSpec? {
        get { backbones.first }
        set { backbones = newValue.map { [$0] } ?? [] }
    }
    /// The primary output (nil: the last layer).
    public var output: Located<String>? {
        get { outputs.first }
        set { outputs = newValue.map { [$0] } ?? [] }
    }
}
