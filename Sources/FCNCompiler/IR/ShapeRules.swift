// Caffe's output-size rules, one spatial axis at a time. Axes are independent (every
// parameter is per axis), which is what lets ValidSizesPass prove all H x W pairs by
// checking each axis alone.

import FCNSpec

public enum SizeProblem: Error, Sendable {
    case kernelTooLarge(paddedInput: Int, extent: Int)
    case cropTooSmall(input: Int, offset: Int, reference: Int)
    case overflow
}

public enum ShapeRules {
    /// Sizes above this are reported as an overflow before any arithmetic on them, so the
    /// rules below (with spec values at most 2^30) never overflow. No tensor is this large.
    public static let maxSize = 1 << 40

    /// Output size of `node` along `axis` for input size `size` (and the reference size for a crop).
    public static func outSize(_ node: Node, axis: Int, input size: Int, reference: Int? = nil) -> Result<Int, SizeProblem> {
        let p = node.params
        guard size <= maxSize else { return .failure(.overflow) }
        switch node.op {
        case .conv:
            let kext = p.kernelExtent(axis), padded = size + 2 * p.pad[axis]
            guard padded >= kext else { return .failure(.kernelTooLarge(paddedInput: padded, extent: kext)) }
            return .success((padded - kext) / p.stride[axis] + 1)
        case .pool:
            let k = p.kernel[axis], s = p.stride[axis], pad = p.pad[axis], padded = size + 2 * pad
            guard padded >= k else { return .failure(.kernelTooLarge(paddedInput: padded, extent: k)) }
            if p.rounding == .floor { return .success((padded - k) / s + 1) }
            var out = (padded - k + s - 1) / s + 1
            // Caffe: the last window must start inside the input or its left padding.
            if pad > 0, (out - 1) * s >= size + pad { out -= 1 }
            return .success(out)
        case .deconv:
            let (m, o1) = p.stride[axis].multipliedReportingOverflow(by: size - 1)
            guard !o1 else { return .failure(.overflow) }
            let (out, o2) = m.addingReportingOverflow(p.kernelExtent(axis) - 2 * p.pad[axis])
            guard !o2 else { return .failure(.overflow) }
            guard out >= 1 else { return .failure(.kernelTooLarge(paddedInput: out, extent: 1)) }
            return .success(out)
        case .crop:
            let off = node.cropOffset?[axis] ?? 0, ref = reference ?? size
            guard size - off >= ref else { return .failure(.cropTooSmall(input: size, offset: off, reference: ref)) }
            return .success(ref)
        case .input, .relu, .lrn, .dropout, .scale, .sum:
            return .success(size)
        }
    }
}
