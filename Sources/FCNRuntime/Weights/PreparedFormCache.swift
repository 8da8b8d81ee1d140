// The packed and Winograd-transformed forms of a store's conv weights, shared by every executable
// built from that store: `fcngc verify` and directory runs build one executable per input size,
// and each would otherwise pack fc6's 411 MB (and transform every Winograd conv) again.
//
// A form is keyed by the tensor it is made from and everything else that goes into it: the
// folded input scale and batch norm, the form (groups of a packed GEMM operand, Winograd tile)
// and the GEMM micro-kernel it is laid out for. The cache holds its forms weakly: a form lives
// as long as some executable uses it, and is made again (from the store's tensor) after the
// last one is gone. Replacing any tensor of the store forgets every form.

import FCNPlan

/// What a conv's weight tensor is turned into when an executable is built.
enum PreparedWeightForm: Hashable {
    /// The (C_out/group) x (C_in/group·kh·kw) operands of fcngc's GEMM, one per group.
    case packedGemm(groups: Int)
    /// Winograd-transformed weights for this tile.
    case winograd(WinogradTile)
    /// 7x7 weights interleaved 16 output channels per vector lane, for Winograd F(2,7).
    case winograd7x7Lanes
}

/// One prepared form of one weight tensor.
struct PreparedFormKey: Hashable {
    /// The weight tensor's name in the store.
    var tensor: String
    var inputScale: Double?
    var batchNorm: FoldedBatchNorm?
    var form: PreparedWeightForm
    var kernel: GemmKernel
}

/// Weak references to the forms in use (see the file comment).
final class PreparedFormCache: @unchecked Sendable {
    private final class WeakForm {
        weak var object: AnyObject?
        init(_ object: AnyObject) { self.object = object }
    }
    private var forms: [PreparedFormKey: WeakForm] = [:]

    /// The form made for `key`, if an executable still holds it.
    subscript(key: PreparedFormKey) -> AnyObject? {
        guard let object = forms[key]?.object else {
            forms[key] = nil
            return nil
        }
        return object
    }

    /// Records `object` as the form for `key` (it stays only while someone else holds it).
    func insert(_ object: AnyObject, for key: PreparedFormKey) {
        forms = forms.filter { $0.value.object != nil }
        forms[key] = WeakForm(object)
    }

    /// Forgets every form (a tensor they may have been made from changed).
    func removeAll() { forms = [:] }

    /// How many forms are still held by some executable (for tests).
    var liveCount: Int { forms.values.filter { $0.object != nil }.count }
}
