// Output sizes, one spatial axis at a time, as each op's definition says (its rule calls the
// one shared formula in FCNPlan's OutputSize). Axes are independent (every parameter is per
// axis), which is what lets ValidSizesPass prove all H x W pairs by checking each axis alone.

import FCNPlan
import FCNSpec

public enum ShapeRules {
    public static var maxSize: Int { OutputSize.maxSize }

    /// Output size of `node` along `axis` for input size `size` (and the reference size for a crop).
    public static func outSize(_ node: Node, axis: Int, input size: Int, reference: Int? = nil) -> Result<Int, SizeProblem> {
        guard size <= maxSize else { return .failure(.overflow) }
        return node.op.definition.outputSize(node, axis, size, reference)
    }
}
