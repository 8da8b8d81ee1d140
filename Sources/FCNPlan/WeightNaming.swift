// The one weight naming: a layer's tensors are `<layer>.weight` and `<layer>.bias` (and a batch
// norm's `<layer>.running_mean`, `<layer>.running_var`), the names Caffe converters,
// pytorch-fcn and torchvision use. The compiler declares them, the runtime
// looks them up, the exporter names its initializers, all through these functions.

public enum WeightRole: String, Codable, Sendable, CaseIterable {
    case weight, bias
    /// A batch normalisation's statistics (PyTorch's names).
    case runningMean = "running_mean", runningVar = "running_var"
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

    /// The layer a tensor belongs to (its name without the role).
    public var layer: String {
        guard let r = role else { return name }
        return String(name.dropLast(r.rawValue.count + 1))
    }
}
