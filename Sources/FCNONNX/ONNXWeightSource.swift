// Where the exporter gets `<layer>.weight` / `<layer>.bias`: anything that answers a tensor by
// name. A dictionary of arrays and a closure over runtime Tensors (e.g. `{ store[$0] }` for a
// WeightStore) are provided.

import FCNRuntime

/// A named float tensor: row-major values and their shape.
public struct ONNXWeight: Sendable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

public protocol ONNXWeightSource {
    /// The tensor called `name` (`<layer>.weight`, `<layer>.bias`), or nil if there is none.
    func onnxWeight(named name: String) -> ONNXWeight?
}

/// Weights held in a dictionary (tests, hand-built models).
public struct ONNXWeightDictionary: ONNXWeightSource, Sendable {
    public var tensors: [String: ONNXWeight]
    public init(_ tensors: [String: ONNXWeight] = [:]) { self.tensors = tensors }
    public func onnxWeight(named name: String) -> ONNXWeight? { tensors[name] }
}

/// Weights looked up as runtime Tensors: `ONNXTensorLookup { store[$0] }`.
public struct ONNXTensorLookup: ONNXWeightSource {
    public let lookup: (String) -> Tensor?
    public init(_ lookup: @escaping (String) -> Tensor?) { self.lookup = lookup }
    public func onnxWeight(named name: String) -> ONNXWeight? {
        lookup(name).map { ONNXWeight(shape: $0.shape, values: $0.toArray()) }
    }
}
