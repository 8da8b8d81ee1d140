// The one weight naming: a layer's tensors are `<layer>.weight` and `<layer>.bias`, the names
// Caffe converters, pytorch-fcn and torchvision use. The compiler declares them, the runtime
// looks them up, the exporter names its initializers, all through these functions.

public enum WeightRole: String, Codable, Sendable, CaseIterable {
    case weight, bias
}

extension WeightRef {
    public init(layer: String, _ role: WeightRole, shape: [Int]) {
        self.init(name: WeightRef.name(layer: layer, role), shape: shape)
    }

    public static func name(layer: String, _ role: WeightRole) -> String { "\(layer).\(role.rawValue)" }

    /// The role a tensor name plays (nil: not a name this naming makes).
    public var role: WeightRole? {
        WeightRole.allCases.first { name.hasSuffix("." + $0.rawValue) }
    }
}
