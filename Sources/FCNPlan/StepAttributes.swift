// What a step does, typed: the step kinds the runtime implements and each kind's attributes.
// Nothing here is a string compared at run time; a plan that lacks an attribute its kind
// needs is refused by VerifyPlan before anything runs (the runtime has no fallback values).

public enum StepKind: String, Codable, Sendable, CaseIterable {
    case conv, deconv, upsample, pool, relu, lrn, dropout, scale, crop, sum, batchnorm, concat, resize
}

public enum PoolMethod: String, Codable, Sendable, CaseIterable { case max, avg }

/// How a pooling's output size rounds (Caffe rounds up; PyTorch's default rounds down).
public enum Rounding: String, Codable, Sendable, CaseIterable { case ceil, floor }

/// How a deconvolution's weights are had.
public enum Upsampler: String, Codable, Sendable, CaseIterable {
    /// Fixed bilinear weights on the channel diagonal (the reference FCN): no tensor needed.
    case fixedBilinear = "fixed-bilinear"
    /// Weights come from the weights file.
    case learned
}

/// How `--init random` fills a learned upsampler.
public enum UpsampleInit: String, Codable, Sendable, CaseIterable { case bilinear, random, zeros }

/// How a convolution is computed: im2col + GEMM, one GEMM on the input (1x1), Winograd F(m,3)
/// with m = 2, 4 or 6 (transformed weights kept), Winograd F(2,7) (7x7 weights transformed on every run).
public enum ConvAlgorithm: String, Codable, Sendable, CaseIterable {
    case im2colGemm = "im2col-gemm", gemm1x1 = "gemm-1x1", winogradF2x3 = "winograd-f2x3", winogradF4x3 = "winograd-f4x3"
    case winogradF6x3 = "winograd-f6x3"
    case winogradF2x7 = "winograd-f2x7"

    /// Output tile side m of a Winograd F(m,3) algorithm (nil: not one).
    public var winogradTileSide: Int? {
        switch self {
        case .winogradF2x3: return 2
        case .winogradF4x3: return 4
        case .winogradF6x3: return 6
        case .im2colGemm, .gemm1x1, .winogradF2x7: return nil
        }
    }

    /// Whether it is a Winograd algorithm (the conv is rewritten into transforms and products).
    public var isWinograd: Bool {
        switch self {
        case .winogradF2x3, .winogradF4x3, .winogradF6x3, .winogradF2x7: return true
        case .im2colGemm, .gemm1x1: return false
        }
    }

    /// Whether a conv on it can apply a fused 2x2 stride-2 max pooling (`maxPool`): GEMM convs pool
    /// one image from scratch, Winograd F(2,3) and F(4,3) in their output transform (undilated
    /// only); F(6,3) and F(2,7) kernels do not pool.
    public var fusesMaxPool: Bool {
        switch self {
        case .im2colGemm, .gemm1x1, .winogradF2x3, .winogradF4x3: return true
        case .winogradF6x3, .winogradF2x7: return false
        }
    }

    /// Whether it can compute a conv of this window and group count, and if not, what it needs.
    public func requirement(_ g: Geometry, group: Int) -> String? {
        switch self {
        case .im2colGemm, .gemm1x1:
            return nil
        case .winogradF2x3, .winogradF4x3, .winogradF6x3:
            let ok = g.kernel == [3, 3] && g.stride == [1, 1] && g.dilation.allSatisfy { $0 >= 1 } && group == 1
            return ok ? nil : "is for 3x3 stride-1 ungrouped convolutions"
        case .winogradF2x7:
            let ok = g.kernel == [7, 7] && g.stride == [1, 1] && g.dilation == [1, 1] && group == 1
            return ok ? nil : "is for 7x7 stride-1 undilated ungrouped convolutions"
        }
    }
}

/// Per-axis window geometry of a conv, deconv, upsample or pool step: [height, width] each.
public struct Geometry: Hashable, Codable, Sendable {
    public var kernel: [Int]
    public var stride: [Int]
    public var pad: [Int]
    public var dilation: [Int]
    public init(kernel: [Int], stride: [Int], pad: [Int], dilation: [Int] = [1, 1]) {
        self.kernel = kernel; self.stride = stride; self.pad = pad; self.dilation = dilation
    }
    /// d*(k-1)+1 along an axis (0 = height, 1 = width).
    public func extent(_ axis: Int) -> Int { dilation[axis] * (kernel[axis] - 1) + 1 }
    /// True for a 1x1, stride-1, unpadded window: a plain product over channels.
    public var isPointwise: Bool { kernel == [1, 1] && stride == [1, 1] && pad == [0, 0] }
}

/// Caffe's local response normalisation across channels.
public struct LRNAttributes: Hashable, Codable, Sendable {
    public var size: Int
    public var alpha: Double
    public var beta: Double
    public var k: Double
    public init(size: Int, alpha: Double, beta: Double, k: Double) {
        self.size = size; self.alpha = alpha; self.beta = beta; self.k = k
    }
}

/// A batch normalisation folded into a convolution: its four tensors (named after `layer`)
/// scale the convolution's weights and shift its bias when the weights are prepared.
public struct FoldedBatchNorm: Hashable, Codable, Sendable {
    public var layer: String
    public var eps: Double
    public init(layer: String, eps: Double) { self.layer = layer; self.eps = eps }
}

/// A 2x2, stride-2, unpadded max pooling fused into the convolution before it: the conv writes
/// only the pooled output. A window that reaches past the conv's output (ceil rounding of an
/// odd size) takes the largest of the outputs inside it, as the pool step would.
public struct FusedMaxPool: Hashable, Codable, Sendable {
    public var rounding: Rounding
    public init(rounding: Rounding) { self.rounding = rounding }
    /// The only pooling window that is fused.
    public static let geometry = Geometry(kernel: [2, 2], stride: [2, 2], pad: [0, 0])

    /// The pooled size of a conv output of `size` along one axis.
    public func pooled(_ size: Int) -> Result<Int, SizeProblem> {
        let g = Self.geometry
        return OutputSize.pool(size, kernel: g.kernel[0], stride: g.stride[0], pad: g.pad[0], rounding: rounding)
    }
}

/// A two-input sum fused into the convolution that computes one of its operands
/// (FuseResidualPass): the step writes conv(x) + bias + `value` (the shortcut, read as the
/// step's second input, a whole buffer or window of the output's shape), then its ReLU (the
/// step's `relu`, applied after the addition) if it has one. The conv runs on GEMM, whose store
/// of the last depth block adds the shortcut (earlier depth blocks have written the output by
/// then), so the output must never share bytes with the shortcut (PlanMemoryPass never places
/// it there; VerifyPlan checks).
public struct FusedResidual: Hashable, Codable, Sendable {
    /// The value added: the step's second input.
    public var value: Int
    public init(value: Int) { self.value = value }
}

/// Kernel parameters. Which fields a kind needs is `StepKind.required` (checked by VerifyPlan).
public struct StepAttributes: Hashable, Codable, Sendable {
    /// conv, deconv, upsample, pool.
    public var geometry: Geometry? = nil
    /// conv, deconv.
    public var group: Int? = nil
    /// pool.
    public var method: PoolMethod? = nil
    public var rounding: Rounding? = nil
    /// A ReLU applied to the output (fused into a conv, or a sum's relu(a + b)).
    public var relu: Bool? = nil
    /// Constant the input is multiplied by (a scale folded into a convolution's weights).
    public var inputScale: Double? = nil
    /// scale: the constant factor.
    public var factor: Double? = nil
    public var lrn: LRNAttributes? = nil
    /// deconv: fixed bilinear or learned weights.
    public var upsampler: Upsampler? = nil
    /// A learned deconv: how `--init random` initialises it.
    public var initializer: UpsampleInit? = nil
    /// sum: one factor per input (absent: all 1).
    public var coefficients: [Double]? = nil
    /// batchnorm: the epsilon added to the variance.
    public var eps: Double? = nil
    /// resize: align corners (true) or half-pixel centres (false).
    public var alignCorners: Bool? = nil
    /// conv: a batch normalisation folded into it.
    public var batchNorm: FoldedBatchNorm? = nil
    /// conv: how it is computed (ConvAlgorithmPass); nil: im2col GEMM (1x1: one GEMM).
    public var algorithm: ConvAlgorithm? = nil
    /// conv: a 2x2 stride-2 max pooling of its output (after the ReLU) fused into it
    /// (FusePoolPass); the step's shape is then the pooled output's.
    public var maxPool: FusedMaxPool? = nil
    /// conv: a residual sum fused into it (FuseResidualPass): its output plus its second input,
    /// then the ReLU if `relu`.
    public var residual: FusedResidual? = nil
    public init() {}

    public var fusedReLU: Bool { relu ?? false }

    /// What is fused into the step's own op, in the order it is applied, as the plan dump and
    /// traces show it: "+relu", "+relu+maxpool", "+add+relu", "".
    public var fusedSuffix: String { (residual != nil ? "+add" : "") + (fusedReLU ? "+relu" : "") + (maxPool != nil ? "+maxpool" : "") }
}

extension StepKind {
    /// The attributes a step of this kind must carry, and how many inputs it reads.
    public var required: (geometry: Bool, group: Bool, pool: Bool, factor: Bool, lrn: Bool, upsampler: Bool, eps: Bool, inputs: ClosedRange<Int>) {
        switch self {
        // A conv's second input is the shortcut of a fused residual sum (`residual`).
        case .conv: return (true, true, false, false, false, false, false, 1...2)
        case .deconv: return (true, true, false, false, false, true, false, 1...1)
        case .upsample: return (true, false, false, false, false, false, false, 1...1)
        case .pool: return (true, false, true, false, false, false, false, 1...1)
        case .scale: return (false, false, false, true, false, false, false, 1...1)
        case .lrn: return (false, false, false, false, true, false, false, 1...1)
        case .batchnorm: return (false, false, false, false, false, false, true, 1...1)
        case .sum, .concat: return (false, false, false, false, false, false, false, 2...Int.max)
        case .relu, .dropout, .crop, .resize: return (false, false, false, false, false, false, false, 1...1)
        }
    }

    /// Whether the step's output has its first input's shape and may be written over it
    /// (when that input is a whole buffer read for the last time).
    public var canRunInPlace: Bool {
        switch self {
        case .sum, .relu, .scale, .batchnorm: return true
        case .conv, .deconv, .upsample, .pool, .lrn, .dropout, .crop, .concat, .resize: return false
        }
    }

    /// Whether a following ReLU can be applied as this step writes its output.
    public var canFuseReLU: Bool {
        switch self {
        case .conv, .sum, .batchnorm: return true
        case .deconv, .upsample, .pool, .relu, .lrn, .dropout, .scale, .crop, .concat, .resize: return false
        }
    }
}
