// The one output-size rule per spatial op, one axis at a time (Caffe's conventions, plus
// PyTorch's floor-rounded pooling). The compiler's shape inference and the runtime's plan
// check both call these, so a size is never computed two ways.

public enum SizeProblem: Error, Sendable, Equatable {
    /// The (padded) input is smaller than the kernel's extent.
    case kernelTooLarge(paddedInput: Int, extent: Int)
    case cropTooSmall(input: Int, offset: Int, reference: Int)
    case overflow
}

public enum OutputSize {
    /// Sizes above this are reported as an overflow before any arithmetic on them, so the
    /// rules below (with parameters at most 2^30) never overflow. No tensor is this large.
    public static let maxSize = 1 << 40

    /// Convolution: floor((in + 2p - k_ext) / s) + 1.
    public static func conv(_ size: Int, kernel: Int, stride: Int, pad: Int, dilation: Int) -> Result<Int, SizeProblem> {
        guard size <= maxSize else { return .failure(.overflow) }
        let kext = dilation * (kernel - 1) + 1, padded = size + 2 * pad
        guard padded >= kext else { return .failure(.kernelTooLarge(paddedInput: padded, extent: kext)) }
        return .success((padded - kext) / stride + 1)
    }

    /// Pooling. Ceil (Caffe): ceil((in + 2p - k) / s) + 1, then one less if p > 0 and the last
    /// window would start in the right padding. Floor (PyTorch's default): floor(...) + 1.
    public static func pool(_ size: Int, kernel: Int, stride: Int, pad: Int, rounding: Rounding) -> Result<Int, SizeProblem> {
        guard size <= maxSize else { return .failure(.overflow) }
        let padded = size + 2 * pad
        guard padded >= kernel else { return .failure(.kernelTooLarge(paddedInput: padded, extent: kernel)) }
        switch rounding {
        case .floor:
            return .success((padded - kernel) / stride + 1)
        case .ceil:
            var out = (padded - kernel + stride - 1) / stride + 1
            if pad > 0, (out - 1) * stride >= size + pad { out -= 1 }
            return .success(out)
        }
    }

    /// Deconvolution: s*(in - 1) + k_ext - 2p.
    public static func deconv(_ size: Int, kernel: Int, stride: Int, pad: Int, dilation: Int) -> Result<Int, SizeProblem> {
        guard size <= maxSize else { return .failure(.overflow) }
        let (m, o1) = stride.multipliedReportingOverflow(by: size - 1)
        guard !o1 else { return .failure(.overflow) }
        let (out, o2) = m.addingReportingOverflow(dilation * (kernel - 1) + 1 - 2 * pad)
        guard !o2 else { return .failure(.overflow) }
        guard out >= 1 else { return .failure(.kernelTooLarge(paddedInput: out, extent: 1)) }
        return .success(out)
    }

    /// A step's full output size along `axis` for input size `size`, for the kinds that change
    /// sizes (conv, deconv, upsample, pool); nil for the kinds that keep their input's size.
    public static func of(_ kind: StepKind, _ a: StepAttributes, axis: Int, input size: Int) -> Result<Int, SizeProblem>? {
        guard let g = a.geometry else { return nil }
        let k = g.kernel[axis], s = g.stride[axis], p = g.pad[axis], d = g.dilation[axis]
        switch kind {
        case .conv:
            let out = conv(size, kernel: k, stride: s, pad: p, dilation: d)
            guard let pool = a.maxPool, case .success(let n) = out else { return out }
            return pool.pooled(n)
        case .deconv, .upsample: return deconv(size, kernel: k, stride: s, pad: p, dilation: d)
        case .pool: return pool(size, kernel: k, stride: s, pad: p, rounding: a.rounding ?? .ceil)
        case .relu, .lrn, .dropout, .scale, .crop, .sum, .batchnorm, .concat, .resize: return nil
        }
    }
}
