// A Caffe net as fcngc understands it: the inference layers (data, loss and accuracy layers
// gone), each with one of fcngc's layer kinds and its attributes (`Params`, exactly as the
// compiler's graph holds them), reading other layers by name. Blobs are resolved: a bottom
// names the layer that last wrote that blob (Caffe's in-place meaning). Inputs keep Caffe's
// top names and the preprocessing of the data layer that made them; outputs are the layers
// nothing reads, in file order (the primary first). What the spec language cannot express
// is kept here too, so the crop audit sees the whole net; `SpecLimits` says what cannot be written.

import FCNSpec
import FCNCompiler

public enum ImportedOp: String, Sendable {
    case conv, deconv, relu, pool, lrn, dropout, scale, crop, sum, concat
}

public struct ImportedLayer: Sendable {
    public var name: String
    public var op: ImportedOp
    /// Producers of the bottoms: layer names, or input names.
    public var inputs: [String]
    /// For a crop: the layer (or input) whose size it crops to.
    public var like: String?
    public var params: Params
    /// For a crop: the offsets written in the prototxt, (height, width).
    public var writtenOffset: Pair?
    /// For a sum: Caffe's `coeff` (nil when absent or all 1).
    public var coefficients: [Double]?
    /// Caffe wrote this layer's top over its bottom (an in-place ReLU or Dropout).
    public var inPlace: Bool
    /// The prototxt freezes the weights (`param { lr_mult: 0 }`): the paper's upsamplers.
    public var frozen: Bool
    public var caffeType: String
    public var location: SourceLocation
    /// Where the crop's `offset` (or another field) is written.
    public var fieldLocations: [String: SourceLocation]
}

public struct ImportedInput: Sendable {
    /// The blob's name in the prototxt.
    public var name: String
    public var channels: Int?
    public var size: Pair?
    public var location: SourceLocation
    /// Mean and scale of the data layer that made this input (nil: none written).
    public var preprocessing: Preprocessing?
}

public struct Preprocessing: Sendable, Equatable {
    public var mean: [Double]?
    public var scale: Double?
    /// Where the values came from, for the notes.
    public var source: String
}

public struct ImportedNet: Sendable {
    public var name: String
    public var inputs: [ImportedInput]
    public var layers: [ImportedLayer]
    /// Layers whose output nothing reads: the net's outputs.
    public var outputs: [String]
    /// The primary input's preprocessing.
    public var preprocessing: Preprocessing? { inputs.first?.preprocessing }
    /// Things dropped or assumed, one line each.
    public var notes: [String]

    public func layer(_ name: String) -> ImportedLayer? { layers.first { $0.name == name } }

    /// Channels of a layer's or input's output, as the compiler will derive them (nil: unknown).
    public func channels(of name: String) -> Int? {
        if let i = inputs.first(where: { $0.name == name }) { return i.channels ?? 3 }
        guard let l = layer(name) else { return nil }
        switch l.op {
        case .conv, .deconv: return l.params.out
        case .concat:
            let each = l.inputs.map { channels(of: $0) }
            return each.contains(nil) ? nil : each.compactMap { $0 }.reduce(0, +)
        case .relu, .pool, .lrn, .dropout, .scale, .crop, .sum: return l.inputs.first.flatMap { channels(of: $0) }
        }
    }

    /// Layers reading each layer or input (crop references included).
    public func consumers() -> [String: [String]] {
        var out: [String: [String]] = [:]
        for l in layers {
            for i in l.inputs { out[i, default: []].append(l.name) }
            if let like = l.like { out[like, default: []].append(l.name) }
        }
        return out
    }
}
