// Small constructors for the generated ONNX messages (Generated/onnx-subset.pb.swift), so the
// exporter reads as a list of nodes rather than protobuf plumbing.

import Foundation

extension Onnx_AttributeProto {
    static func int(_ name: String, _ v: Int) -> Self {
        var a = Self(); a.name = name; a.type = .int; a.i = Int64(v); return a
    }
    static func ints(_ name: String, _ v: [Int]) -> Self {
        var a = Self(); a.name = name; a.type = .ints; a.ints = v.map(Int64.init); return a
    }
    static func float(_ name: String, _ v: Float) -> Self {
        var a = Self(); a.name = name; a.type = .float; a.f = v; return a
    }
    static func string(_ name: String, _ v: String) -> Self {
        var a = Self(); a.name = name; a.type = .string; a.s = Data(v.utf8); return a
    }
    static func tensor(_ name: String, _ v: Onnx_TensorProto) -> Self {
        var a = Self(); a.name = name; a.type = .tensor; a.t = v; return a
    }
}

extension Onnx_NodeProto {
    init(_ opType: String, name: String, inputs: [String], outputs: [String], attributes: [Onnx_AttributeProto] = [],
         doc: String? = nil) {
        self.init()
        self.opType = opType
        self.name = name
        self.input = inputs
        self.output = outputs
        self.attribute = attributes
        if let doc { self.docString = doc }
    }

    /// The attribute called `name`, if present.
    public func attribute(_ name: String) -> Onnx_AttributeProto? { attribute.first { $0.name == name } }
}

extension Onnx_TensorProto {
    /// A float32 tensor stored as little-endian raw_data.
    static func float(_ name: String, dims: [Int], values: [Float]) -> Self {
        precondition(dims.reduce(1, *) == values.count, "\(values.count) values for dims \(dims)")
        var t = Self()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        #if _endian(little)
        t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        #else
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        t.rawData = data
        #endif
        return t
    }

    /// An int64 tensor stored in int64_data (small constants: easy to read back).
    static func int64(_ name: String, dims: [Int], values: [Int]) -> Self {
        precondition(dims.reduce(1, *) == values.count, "\(values.count) values for dims \(dims)")
        var t = Self()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.int64Data = values.map(Int64.init)
        return t
    }

    /// The float values, from raw_data (little-endian) or float_data.
    public var floatValues: [Float] {
        if hasRawData {
            let n = rawData.count / 4
            return rawData.withUnsafeBytes { raw in
                (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }
        return floatData
    }

    /// The int64 values, from raw_data (little-endian) or int64_data.
    public var int64Values: [Int] {
        if hasRawData {
            let n = rawData.count / 8
            return rawData.withUnsafeBytes { raw in
                (0..<n).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
            }
        }
        return int64Data.map { Int($0) }
    }
}

/// One dimension of a declared shape: a number, a symbol, or unknown.
public enum ONNXDim: Hashable, Sendable, CustomStringConvertible {
    case value(Int)
    case symbol(String)
    case unknown

    public var description: String {
        switch self {
        case .value(let v): return "\(v)"
        case .symbol(let s): return s
        case .unknown: return "?"
        }
    }
}

extension Onnx_ValueInfoProto {
    /// A float tensor value with the given (possibly symbolic) shape.
    static func floatTensor(_ name: String, _ dims: [ONNXDim], doc: String? = nil) -> Self {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case .value(let v): dim.dimValue = Int64(v)
            case .symbol(let s): dim.dimParam = s
            case .unknown: break
            }
            return dim
        }
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tt.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tt
        var v = Self()
        v.name = name
        v.type = type
        if let doc { v.docString = doc }
        return v
    }

    /// The declared dimensions (tensor types only).
    public var dims: [ONNXDim] {
        type.tensorType.shape.dim.map { d in
            switch d.value {
            case .dimValue(let v): return .value(Int(v))
            case .dimParam(let s): return .symbol(s)
            case nil: return .unknown
            }
        }
    }
}
