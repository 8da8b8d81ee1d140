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

public enum PoolMethod: String, Codable, Sendable { case max, avg }
public enum Rounding: String, Codable, Sendable { case ceil, floor }
public enum UpsampleInit: String, Codable, Sendable { case bilinear, random, zeros }

/// One layer as written (or as generated from a compact form). Attribute values keep
/// the location of their key so errors point at the exact key.
public struct LayerSpec: Sendable {
    public var op: OpKind
    public var name: String
    public var location: SourceLocation
    /// Explicit inputs (`from:`); empty means "the previous layer".
    public var inputs: [Located<String>] = []
    public var out: Located<Int>?
    public var kernel: Located<Pair>?
    public var stride: Located<Pair>?
    public var pad: Located<Pair>?
    public var dilation: Located<Pair>?
    public var group: Located<Int>?
    public var bias: Located<Bool>?
    public var method: Located<PoolMethod>?
    public var rounding: Located<Rounding>?
    public var lrnSize: Located<Int>?
    public var alpha: Located<Double>?
    public var beta: Located<Double>?
    public var lrnK: Located<Double>?
    public var ratio: Located<Double>?
    public var value: Located<Double>?
    public var like: Located<String>?
    public var initializer: Located<UpsampleInit>?
    public var learn: Located<Bool>?

    public init(op: OpKind, name: String, location: SourceLocation) {
        self.op = op
        self.name = name
        self.location = location
    }
}

public struct BackboneSpec: Sendable {
    public var name: String
    public var file: String
    public var layers: [LayerSpec]
}

public struct InputSpec: Sendable {
    public enum ChannelOrder: String, Codable, Sendable { case rgb, bgr }
    public var channels: Located<Int>
    public var order: ChannelOrder = .rgb
    public var mean: [Double] = []
    public var scale: Double = 1
    /// The example size `fcngc compile` uses when `--input` is not given.
    public var size: Located<Pair>?
}

/// Defaults for the upsamplers of a classic head.
public struct UpsampleDefaults: Sendable {
    public var initializer: UpsampleInit = .bilinear
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
    public var initializer: Located<UpsampleInit>?
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
    public var input: InputSpec
    public var classes: Located<Int>?
    /// `classes: [background, aeroplane, ...]`: the names, one per class (nil for a count).
    public var classNames: [String]?
    public var backbone: BackboneSpec?
    public var head: HeadSpec?
    /// Explicit layers after the backbone (for heads that are not the classic ladder).
    public var graph: [LayerSpec] = []
    /// The layer whose output is the network's output (default: the last one).
    public var output: Located<String>?
}
