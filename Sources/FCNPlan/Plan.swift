// The execution plan: what the interpreter runs and what reviewers read. A plain Codable
// value (format "fcngc-plan", version 5), built once per model and input size by the
// compiler, saved as JSON, and run by the runtime, which depends on this module alone.
//
// Steps run in order. Each reads `inputs` — views of buffers: a value (the network input
// or an earlier step's output), the slot holding it, and optionally a window (a crop is a
// view, never a copy) — and writes its `output` value into `slot`. Every step keeps the
// spec layers it came from (`sources`), so fused steps never lose their names.
// Sizes are per image; a batch of N multiplies every slot offset and size by N.
// A plan has one or more inputs (values 0 ..< inputs.count, in the spec's order) and one or
// more outputs (primary first); version 3 lists them (version 2 had one of each).

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
    /// A network input (0 ..< plan.inputs.count) or the `value` of an earlier step (values are graph node ids).
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

extension Step {
    /// A conv's own output shape [C, H, W] before a fused pooling (`attributes.maxPool`), from
    /// the one output-size rule; `shape` for every other step (and for a conv without one).
    public var convOutputShape: [Int] {
        guard kind == .conv, attributes.maxPool != nil, let g = attributes.geometry, let first = inputs.first, shape.count == 3,
              [g.kernel, g.stride, g.pad, g.dilation].allSatisfy({ $0.count == 2 }) else { return shape }
        let x = VerifyPlan.readShape(first)
        guard x.count == 3 else { return shape }
        var out = [shape[0], 0, 0]
        for axis in 0..<2 {
            guard case .success(let n) = OutputSize.conv(x[axis + 1], kernel: g.kernel[axis], stride: g.stride[axis],
                                                         pad: g.pad[axis], dilation: g.dilation[axis]) else { return shape }
            out[axis + 1] = n
        }
        return out
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

/// A network input: its name (what `--tensor NAME=` says), the value steps read it by,
/// its shape [C, H, W], its slot and how an image becomes this tensor.
public struct PlanInput: Codable, Sendable, Equatable {
    public var name: String
    public var value: Int
    public var shape: [Int]
    public var slot: Int?
    public var preprocessing: Plan.Preprocessing
    public init(name: String, value: Int, shape: [Int], slot: Int? = nil, preprocessing: Plan.Preprocessing) {
        self.name = name; self.value = value; self.shape = shape; self.slot = slot; self.preprocessing = preprocessing
    }
}

/// A network output: the layer's name, the value holding it and its shape [C, H, W].
public struct PlanOutput: Codable, Sendable, Equatable {
    public var name: String
    public var value: Int
    public var shape: [Int]
    public init(name: String, value: Int, shape: [Int]) { self.name = name; self.value = value; self.shape = shape }
}

public struct Plan: Codable, Sendable {
    public static let formatName = "fcngc-plan"
    /// The plan format version this build reads and writes.
    public static let formatVersion = 5
    public var format = Plan.formatName
    public var version = Plan.formatVersion
    public var model: String
    /// The network inputs in order (values 0 ..< count); all share one height and width.
    public var inputs: [PlanInput]
    /// The network outputs, primary first.
    public var outputs: [PlanOutput]
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

    // The first input and the primary output, for the many places that need only those.
    public var input: [Int] { get { inputs[0].shape } set { inputs[0].shape = newValue } }
    public var inputSlot: Int? { get { inputs[0].slot } set { inputs[0].slot = newValue } }
    public var preprocessing: Preprocessing { inputs[0].preprocessing }
    public var output: [Int] { outputs[0].shape }
    public var outputValue: Int { outputs[0].value }
    /// Whether `value` is a network input.
    public func isInput(_ value: Int) -> Bool { value >= 0 && value < inputs.count }
    /// Whether `value` is one of the network outputs.
    public func isOutput(_ value: Int) -> Bool { outputs.contains { $0.value == value } }

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
        /// Per-channel divisor applied after the mean (empty: 1).
        public var std: [Double]
        public init(order: String, mean: [Double], scale: Double, std: [Double] = []) {
            self.order = order; self.mean = mean; self.scale = scale; self.std = std
        }
    }

    public init(model: String, inputs: [PlanInput], outputs: [PlanOutput], layers: [LayerSummary], steps: [Step],
                slots: [Slot] = [], fusion: [FusionDecision] = [], memory: MemoryReport? = nil, totals: Totals) {
        self.model = model; self.inputs = inputs; self.outputs = outputs; self.layers = layers; self.steps = steps
        self.slots = slots; self.fusion = fusion; self.memory = memory; self.totals = totals
    }

    public var outputStep: Step? { steps.first { $0.value == outputValue } }
    /// The step writing each output, in `outputs` order (nil for one no step writes).
    public var outputSteps: [Step?] { outputs.map { o in steps.first { $0.value == o.value } } }

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
