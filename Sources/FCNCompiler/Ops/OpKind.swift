// The op registry: every layer kind and its one definition (Relay's op registration,
// ggml's op table). A kind is a case here and a file in this folder declaring everything
// about it (see OpDefinition and Docs/AddingAnOp.md); the switch below is the table, and
// being exhaustive it will not compile until a new case has its definition.

import FCNPlan
import FCNSpec

public enum OpKind: String, Codable, Sendable, CaseIterable {
    case input, conv, deconv, relu, pool, lrn, dropout, scale, crop, sum, batchnorm, concat, resize

    public var definition: OpDefinition {
        switch self {
        case .input: return InputOp.definition
        case .conv: return ConvOp.definition
        case .deconv: return DeconvOp.definition
        case .relu: return ReLUOp.definition
        case .pool: return PoolOp.definition
        case .lrn: return LRNOp.definition
        case .dropout: return DropoutOp.definition
        case .scale: return ScaleOp.definition
        case .crop: return CropOp.definition
        case .sum: return SumOp.definition
        case .batchnorm: return BatchNormOp.definition
        case .concat: return ConcatOp.definition
        case .resize: return ResizeOp.definition
        }
    }

    /// Kinds a spec may name (the input is implicit).
    public static let writable: [OpKind] = allCases.filter { $0.definition.writable }
}

public enum OpRegistry {
    /// What the spec reader accepts: one schema per writable kind, from the definitions.
    public static let catalog = LayerCatalog(OpKind.writable.map(\.definition.schema))
}
