// The execution plan: what the interpreter runs and what reviewers read. A plain Codable
// value (format "fcngc-plan", version 2), built once per model and input size by the
// compiler, saved as JSON, and run by the runtime, which depends on this module alone.
//
// Steps run in order. Each reads `inputs` — views of buffers: a value (the network input
// or an earlier step's output), the slot holding it, and optionally a window (a crop is a
// view, never a copy) — and writes its `output` value into `slot`. Every step keeps the
// spec layers it came from (`sources`), so fused steps never lose their names.
// Sizes are per image; a batch of N multiplies every slot offset and size by N.

/// A window [y, y+h) x [x, x+w) of a buffer.
public struct Window: Hashable, Codable, Sendable, CustomStringConvertible {
    public var y: Int, x: Int, h: Int, w: Int
    public init(y: Int, x: Int, h: Int, w: Int) { self.y = y; self.x = x; self.h = h; self.w = w }
    public var description: String { "[\(y):\(y + h), \(x):\(x + w)]" }
}

public struct StepInput: Hashable, Codable, Sendable {
    public init(value: Int, slot: Int? = nil, shape: [Int], window: Window? = nil) {
        self.value = value; self.slot = slot; self.shape = shape; self.window = window
    }
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
    public init(name: String, op: String, location: String) { self.name = name; self.op = op; self.location = location }
}

public struct WeightRef: Hashable, Codable, Sendable {
    /// Tensor name in a weights file: `<layer>.weight` / `<layer>.bias`.
    public var name: String
    public var shape: [Int]
    public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
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

    public init(kind: StepKind, inputs: [StepInput], value: Int, slot: Int? = nil, shape: [Int], outputWindow: Window? = nil,
                attributes: StepAttributes, weights: [WeightRef], macs: Int, scratchBytes: Int = 0, inPlace: Bool = false,
                sources: [SourceRef]) {
        self.kind = kind; self.inputs = inputs; self.value = value; self.slot = slot; self.shape = shape
        self.outputWindow = outputWindow; self.attributes = attributes; self.weights = weights; self.macs = macs
        self.scratchBytes = scratchBytes; self.inPlace = inPlace; self.sources = sources
    }
}

public struct Slot: Codable, Sendable, Equatable {
    public var id: Int
    public var offset: Int
    public var bytes: Int
    public init(id: Int, offset: Int, bytes: Int) { self.id = id; self.offset = offset; self.bytes = bytes }
}

public struct FusionDecision: Codable, Sendable, Equatable {
    public var pass: String
    public var layers: [String]
    public var fused: Bool
    public var reason: String
    public init(pass: String, layers: [String], fused: Bool, reason: String) {
        self.pass = pass; self.layers = layers; self.fused = fused; self.reason = reason
    }
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
    public init(arenaBytes: Int, peakLiveBytes: Int, noReuseBytes: Int, scratchBytes: Int, weightBytes: Int) {
        self.arenaBytes = arenaBytes; self.peakLiveBytes = peakLiveBytes; self.noReuseBytes = noReuseBytes
        self.scratchBytes = scratchBytes; self.weightBytes = weightBytes
    }
}

public struct Plan: Codable, Sendable {
    public static let formatName = "fcngc-plan"
    /// The plan format version this build reads and writes.
    public static let formatVersion = 2
    public var format = Plan.formatName
    public var version = Plan.formatVersion
    public var model: String
    public var input: [Int]
    public var output: [Int]
    public var inputSlot: Int?
    public var outputValue: Int
    public var preprocessing: Preprocessing
    /// The spec's class names, one per output channel in label order (nil: the spec gives a count).
    public var classes: [String]? = nil
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
        public init(params: Int, macs: Int, graphMacs: Int) { self.params = params; self.macs = macs; self.graphMacs = graphMacs }
    }

    public struct Preprocessing: Codable, Sendable, Equatable {
        public var order: String
        public var mean: [Double]
        public var scale: Double
        public init(order: String, mean: [Double], scale: Double) { self.order = order; self.mean = mean; self.scale = scale }
    }

    public init(model: String, input: [Int], output: [Int], inputSlot: Int? = nil, outputValue: Int,
                preprocessing: Preprocessing, layers: [LayerSummary], steps: [Step], slots: [Slot] = [],
                fusion: [FusionDecision] = [], memory: MemoryReport? = nil, totals: Totals) {
        self.model = model; self.input = input; self.output = output; self.inputSlot = inputSlot
        self.outputValue = outputValue; self.preprocessing = preprocessing; self.layers = layers; self.steps = steps
        self.slots = slots; self.fusion = fusion; self.memory = memory; self.totals = totals
    }

    public var outputStep: Step? { steps.first { $0.value == outputValue } }

    /// The spec layer whose value a step's output is: of its sources, the one that comes last
    /// in graph order (conv1_1+relu1_1 holds relu1_1's value; fuse_pool4+score_pool4c holds fuse_pool4's).
    public func outputLayer(of step: Step) -> String {
        let order = Dictionary(layers.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        return step.sources.max { (order[$0.name] ?? 0) < (order[$1.name] ?? 0) }?.name ?? step.name
    }
}

/// Per-layer numbers for the `compile` table and JSON: output shape, receptive field and
/// stride (relative to the input), crop offset, parameters and multiply-accumulates.
public struct LayerSummary: Codable, Sendable {
    public var name: String
    public var op: String
    public var inputs: [String]
    public var shape: [Int]
    public var receptiveField: [Int]
    public var stride: [String]
    public var offset: [Int]?
    public var params: Int
    public var macs: Int
    public var location: String
    public var origin: String
    public init(name: String, op: String, inputs: [String], shape: [Int], receptiveField: [Int], stride: [String],
                offset: [Int]?, params: Int, macs: Int, location: String, origin: String) {
        self.name = name; self.op = op; self.inputs = inputs; self.shape = shape; self.receptiveField = receptiveField
        self.stride = stride; self.offset = offset; self.params = params; self.macs = macs; self.location = location
        self.origin = origin
    }
}
