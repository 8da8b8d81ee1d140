// One op's definition: everything the compiler, the plan and the exporter need to know about
// a layer kind, in one value. Passes never switch over kinds for these facts; they ask here.

import FCNPlan
import FCNSpec

/// How a layer maps coordinates from its input to its output (per axis, top = a*bottom + b).
public enum CoordClass: Sendable {
    case convLike      // a = 1/s, b = (p - (k_ext-1)/2) / s
    case deconvLike    // a = s,   b = (k_ext-1)/2 - p
    case elementwise   // identity
    case crop          // a = 1,   b = -offset
    case resample      // the map of the layer it is resampled to (its `like`)
    case source        // the network input
}

/// One spec key of a kind: its schema (name, type, required) and where its value goes in Params.
public struct ParamKey: @unchecked Sendable {
    public let schema: KeySchema
    let apply: (inout Params, AttributeValue) -> Void

    public static func int(_ name: String, _ path: WritableKeyPath<Params, Int>, min: Int, required: String? = nil) -> ParamKey {
        ParamKey(schema: KeySchema(name, .int(min: min), required: required)) { p, v in if case .int(let i) = v { p[keyPath: path] = i } }
    }
    public static func pair(_ name: String, _ path: WritableKeyPath<Params, Pair>, min: Int, required: String? = nil) -> ParamKey {
        ParamKey(schema: KeySchema(name, .pair(min: min), required: required)) { p, v in if case .pair(let x) = v { p[keyPath: path] = x } }
    }
    public static func bool(_ name: String, _ path: WritableKeyPath<Params, Bool>) -> ParamKey {
        ParamKey(schema: KeySchema(name, .bool)) { p, v in if case .bool(let b) = v { p[keyPath: path] = b } }
    }
    public static func double(_ name: String, _ path: WritableKeyPath<Params, Double>, range: Range<Double>? = nil, required: String? = nil) -> ParamKey {
        ParamKey(schema: KeySchema(name, .double(range: range), required: required)) { p, v in if case .double(let d) = v { p[keyPath: path] = d } }
    }
    public static func doubles(_ name: String, _ path: WritableKeyPath<Params, [Double]>) -> ParamKey {
        ParamKey(schema: KeySchema(name, .doubles)) { p, v in if case .doubles(let d) = v { p[keyPath: path] = d } }
    }
    public static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ path: WritableKeyPath<Params, E>) -> ParamKey where E.RawValue == String {
        ParamKey(schema: KeySchema(name, .choice(E.allCases.map(\.rawValue)))) { p, v in
            if case .word(let w) = v, let e = E(rawValue: w) { p[keyPath: path] = e }
        }
    }
    /// A key naming another layer; the graph builder resolves it (into Node.like).
    public static func layerName(_ name: String, required: String? = nil) -> ParamKey {
        ParamKey(schema: KeySchema(name, .layerName, required: required)) { _, _ in }
    }
    /// `relu: NAME`: adds a layer of `kind` after this one.
    public static func followingLayer(_ name: String, kind: OpKind) -> ParamKey {
        ParamKey(schema: KeySchema(name, .followingLayer(kind: kind.rawValue))) { _, _ in }
    }
    public static func refused(_ name: String, _ message: String, fix: String?) -> ParamKey {
        ParamKey(schema: KeySchema(name, .refused(message: message, fix: fix))) { _, _ in }
    }
}

public struct OpDefinition: @unchecked Sendable {
    public var kind: OpKind
    /// False only for the input (implicit in every spec).
    public var writable = true
    /// Spec keys, in the order they are read and documented.
    public var keys: [ParamKey] = []
    public var inputs: LayerSchema.Inputs = .one
    /// Params before any key is applied: the kind's defaults.
    public var defaults = Params()
    /// Defaults that depend on other keys (a deconv's kernel is twice its stride).
    public var finish: (inout Params, LayerSpec) -> Void = { _, _ in }
    public var coord: CoordClass = .elementwise
    /// Output channels (and channel checks) from the inputs' channel counts.
    public var channels: (inout Node, _ inputs: [Node], Diagnostics) -> Void = { n, inputs, _ in n.channels = inputs.first?.channels ?? 0 }
    /// Output size along one axis for an input of `input` (a crop: and its reference's size).
    public var outputSize: (Node, _ axis: Int, _ input: Int, _ reference: Int?) -> Result<Int, SizeProblem> = { _, _, s, _ in .success(s) }
    /// The tensors it reads from a weights file, named by WeightRef's one naming.
    public var weights: (Node, _ inChannels: Int) -> [WeightRef] = { _, _ in [] }
    /// Multiply-accumulates for one image.
    public var macs: (Node, _ input: Shape, _ output: Shape) -> Int = { _, _, _ in 0 }
    /// Legal but suspicious values (warnings only).
    public var warnings: (Node, Diagnostics) -> Void = { _, _ in }
    /// The plan step it becomes, with typed attributes (nil: not a step, the input).
    public var lower: (Node) -> (kind: StepKind, attributes: StepAttributes)? = { _ in nil }

    public init(_ kind: OpKind) { self.kind = kind }

    public var schema: LayerSchema { LayerSchema(kind: kind.rawValue, keys: keys.map(\.schema), inputs: inputs) }

    /// Params of a layer as written: defaults, then each key given, then derived defaults.
    public func params(_ layer: LayerSpec) -> Params {
        var p = defaults
        for key in keys { if let v = layer.attributes[key.schema.name] { key.apply(&p, v.value) } }
        finish(&p, layer)
        return p
    }

    /// Parameter count: the elements of its weight tensors.
    public func parameterCount(_ n: Node, inChannels: Int) -> Int {
        weights(n, inChannels).reduce(0) { $0 + $1.shape.reduce(1, *) }
    }
}

extension Params {
    /// The window geometry of conv-like and deconv-like layers, as a plan step carries it.
    var geometry: Geometry {
        Geometry(kernel: [kernel.h, kernel.w], stride: [stride.h, stride.w], pad: [pad.h, pad.w], dilation: [dilation.h, dilation.w])
    }
}
