// PyTorch's BatchNorm2d keeps `num_batches_tracked`, an int64 count of training batches, in its
// state_dict beside the running statistics. Inference never reads it (with the default
// momentum), so a weights file may carry `<layer>.num_batches_tracked` for each batch norm
// `<layer>` of the model: the loader accepts and ignores it, as long as it looks like that
// counter (an integer scalar). Anywhere else the name is an ordinary extra tensor.

import FCNPlan

enum BatchNormCounter {
    static let suffix = ".num_batches_tracked"

    /// The batch norm layer a counter name belongs to (nil: not a counter's name).
    static func layer(of name: String) -> String? {
        guard name.hasSuffix(suffix), name.count > suffix.count else { return nil }
        return String(name.dropLast(suffix.count))
    }

    /// Why `e` is not a batch norm counter (nil: it is one, and is ignored).
    static func problem(_ e: SafetensorsEntry) -> String? {
        let integer: Set<SafetensorsDType> = [.i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8]
        guard integer.contains(e.dtype), e.elementCount == 1, e.shape.count <= 1 else {
            return "wrong counter: '\(e.name)' is \(e.dtype.rawValue) of shape \(e.shape); a batch norm's num_batches_tracked is an integer scalar (ignored when it is one)"
        }
        return nil
    }
}
