// The one table of layer kinds. Each row says which keys a layer of that kind accepts,
// how it maps coordinates (Caffe's coord_map classes), and whether it carries weights.
// The spec reader, the graph builder, the passes and the plan all consult this table.

public enum OpKind: String, Codable, Sendable, CaseIterable {
    case input, conv, deconv, relu, pool, lrn, dropout, scale, crop, sum

    /// How a layer maps coordinates from its input to its output (per axis, top = a*bottom + b).
    public enum CoordClass: Sendable {
        case convLike      // a = 1/s, b = (p - (k_ext-1)/2) / s
        case deconvLike    // a = s,   b = (k_ext-1)/2 - p
        case elementwise   // identity
        case crop          // a = 1,   b = -offset
        case source        // the network input
    }

    public struct Info: Sendable {
        public let keys: [String]
        public let coord: CoordClass
        public let hasWeights: Bool
        public let manyInputs: Bool
    }

    private static let spatialKeys = ["kernel", "stride", "pad", "dilation"]

    public var info: Info {
        switch self {
        case .input: return Info(keys: [], coord: .source, hasWeights: false, manyInputs: false)
        case .conv:
            return Info(keys: ["out", "group", "bias", "relu"] + Self.spatialKeys,
                        coord: .convLike, hasWeights: true, manyInputs: false)
        case .deconv:
            return Info(keys: ["out", "group", "bias", "init", "learn"] + Self.spatialKeys,
                        coord: .deconvLike, hasWeights: true, manyInputs: false)
        case .relu: return Info(keys: [], coord: .elementwise, hasWeights: false, manyInputs: false)
        case .pool:
            return Info(keys: ["method", "kernel", "stride", "pad", "rounding"],
                        coord: .convLike, hasWeights: false, manyInputs: false)
        case .lrn: return Info(keys: ["size", "alpha", "beta", "k"], coord: .elementwise, hasWeights: false, manyInputs: false)
        case .dropout: return Info(keys: ["ratio"], coord: .elementwise, hasWeights: false, manyInputs: false)
        case .scale: return Info(keys: ["value"], coord: .elementwise, hasWeights: false, manyInputs: false)
        case .crop: return Info(keys: ["like"], coord: .crop, hasWeights: false, manyInputs: false)
        case .sum: return Info(keys: [], coord: .elementwise, hasWeights: false, manyInputs: true)
        }
    }

    /// Kinds a spec may name (the input is implicit).
    public static let writable: [OpKind] = allCases.filter { $0 != .input }
}
