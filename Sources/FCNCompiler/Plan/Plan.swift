// The execution plan: what the interpreter runs and what reviewers read. A plain Codable
// value (format "fcngc-plan", version 1), built once per model and input size.
//
// Steps run in order. Each reads `inputs` — views of buffers: a value (the network input
// or an earlier step's output), the slot holding it, and optionally a window (a crop is a
// view, never a copy) — and writes its `output` value into `slot`. Every step keeps the
// spec layers it came from (`sources`), so fused steps never lose their names.
// Sizes are per image; a batch of N multiplies every slot offset and size by N.

import FCNSpec

public enum StepKind: String, Codable, Sendable, CaseIterable {
    case conv, deconv, upsample, pool, relu, lrn, dropout, scale, crop, sum
}

/// How a convolution is computed: im2col + GEMM, one GEMM on the input (1x1), Winograd F(m,3).
public enum ConvAlgorithm: String, Codable, Sendable, CaseIterable {
    case im2colGemm = "im2col-gemm", gemm1x1 = "gemm-1x1", winogradF2x3 = "winograd-f2x3", winogradF4x3 = "winograd-f4x3"
}

/// A window [y, y+h) x [x, x+w) of a buffer.
public struct Window: Hashable, Codable, Sendable, CustomStringConvertible {
    public var y: Int, x: Int, h: Int, w: Int
    public init(y: Int, x: Int, h: Int, w: Int) { self.y = y; self.x = x; self.h = h; self.w = w }
    public var description: String { "[\(y):\(y + h), \(x):\(x + w)]" }
}

public struct StepInput: Hashable, Codable, Sendable {
    /// 0 is the network input; otherwise the `value` of an earlier step (values are graph node ids).
    public var value: Int
    /// Buffer slot (filled by PlanMemoryPass).
    public var slot: Int?
    /// Full shape [C, H, W] of the buffer read.
    public var shape: [Int]
    /// The part read, when not the whole buffer.
    public var window: Window?
}

public struct SourceRef: Hashable, Codable, Sendable {
    public var name: String
    public var op: String
    public var location: String
}

public struct WeightRef: Hashable, Codable, Sendable {
    /// Tensor name in a weights file: `<layer>.weight` / `<layer>.bias`.
    public var name: String
    public var shape: [Int]
    public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
}

/// Kernel parameters; fields a kind does not use keep their defaults.
public struct StepAttributes: Hashable, Codable, Sendable {
    public var kernel: [Int]? = nil
    public var stride: [Int]? = nil
    public var pad: [Int]? = nil
    public var dilation: [Int]? = nil
    public var group: Int? = nil
    public var method: String? = nil
    public var rounding: String? = nil
    /// ReLU applied to the output (fused).
    public var relu: Bool? = nil
    /// Constant the input is multiplied by (a scale folded into a convolution's weights).
    public var inputScale: Double? = nil
    public var value: Double? = nil
    public var lrn: [Double]? = nil
    /// For conv/deconv: fixed bilinear weights (no tensor) or learned.
    public var upsampler: String? = nil
    /// For a learned deconv: how `--init random` initialises it (bilinear, random, zeros).
    public var initializer: String? = nil
    /// Rows of output computed per im2col tile (conv) or input rows per col2im tile (deconv).
    public var tileRows: Int? = nil
    /// For conv: how it is computed (ConvAlgorithmPass); nil: not chosen (im2col GEMM).
    public var algorithm: ConvAlgorithm? = nil
    public init() {}
}

public struct Step: Codable, Sendable {
    public var kind: StepKind
    public var inputs: [StepInput]
    /// Id of the value this step produces (stable across passes).
    public var value: Int
    public var slot: Int?
    /// Shape [C, H, W] of what the step writes.
    public var shape: [Int]
    /// For an upsampling that computes only part of its full output: the part, in full-output coordinates.
    public var outputWindow: Window?
    public var attributes: StepAttributes
    public var weights: [WeightRef]
    public var macs: Int
    public var scratchBytes: Int
    /// Output written over the first input's slot.
    public var inPlace: Bool
    public var sources: [SourceRef]

    public var name: String { sources.first?.name ?? "v\(value)" }
}

public struct Slot: Codable, Sendable, Equatable {
    public var id: Int
    public var offset: Int
    public var bytes: Int
}

public struct FusionDecision: Codable, Sendable, Equatable {
    public var pass: String
    public var layers: [String]
    public var fused: Bool
    public var reason: String
}

public struct MemoryReport: Codable, Sendable, Equatable {
    /// Bytes of the activation arena (all slots).
    public var arenaBytes: Int
    /// Largest total of values alive at one time (a lower bound for any arena).
    public var peakLiveBytes: Int
    /// Every value in its own buffer: what no reuse would cost.
    public var noReuseBytes: Int
    /// Largest scratch any step needs (shared by all steps).
    public var scratchBytes: Int
    public var weightBytes: Int
}

public struct Plan: Codable, Sendable {
    public var format = "fcngc-plan"
    public var version = 1
    public var model: String
    public var input: [Int]
    public var output: [Int]
    public var inputSlot: Int?
    public var outputValue: Int
    public var preprocessing: Preprocessing
    public var layers: [LayerSummary]
    public var steps: [Step]
    public var slots: [Slot]
    public var fusion: [FusionDecision]
    /// Weights of layers the plan does not compute (dead): accepted in a weights file, not needed.
    public var unusedWeights: [WeightRef] = []
    public var memory: MemoryReport?
    public var totals: Totals

    public struct Totals: Codable, Sendable, Equatable {
        public var params: Int
        public var macs: Int
        public var graphMacs: Int
    }

    public struct Preprocessing: Codable, Sendable, Equatable {
        public var order: String
        public var mean: [Double]
        public var scale: Double
    }

    public var outputStep: Step? { steps.first { $0.value == outputValue } }

    /// The spec layer whose value a step's output is: of its sources, the one that comes last
    /// in graph order (conv1_1+relu1_1 holds relu1_1's value; fuse_pool4+score_pool4c holds fuse_pool4's).
    public func outputLayer(of step: Step) -> String {
        let order = Dictionary(layers.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        return step.sources.max { (order[$0.name] ?? 0) < (order[$1.name] ?? 0) }?.name ?? step.name
    }
}
