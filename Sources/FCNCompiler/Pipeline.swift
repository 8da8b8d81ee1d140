// The compiler, as one readable list of passes with one signature, (inout Analysis,
// Diagnostics). Each pass collects diagnostics; the pipeline stops after a pass that
// reported an error, so later passes never see a graph an earlier one rejected. In debug
// builds (and the tests) VerifyGraph checks the graph's invariants after every pass.
//
//   build-graph         BuildGraphPass        ModelSpec -> Graph (head expanded, names resolved)
//   infer-channels      InferChannelsPass     channel counts, groups, sums, bilinear upsamplers
//   warn-suspicious     WarnSuspiciousPass    legal but suspicious: holes, random upsamplers
//   infer-crop-offsets  InferCropOffsetsPass  coordinate maps, every crop offset derived
//   valid-sizes         ValidSizesPass        smallest input, every size up to 4096 per axis
//   --- the passes above do not depend on the input size; those below run once per size ---
//   infer-shapes        InferShapesPass       every shape at the requested input size
//   summarize           Summaries             receptive field, stride, params, MACs
//
// Loading the YAML (SpecLoader, FCNSpec) comes before; lowering to a plan (PlanPipeline) after.

import FCNPlan
import FCNSpec

public struct CompileOptions: Sendable {
    public var input: Pair?
    public var sizeLimit = 4096
    public init(input: Pair? = nil) { self.input = input }
}

/// What the passes know about one model, filled in pass by pass.
public struct Analysis: Sendable {
    public var spec: ModelSpec
    public var options: CompileOptions
    public var graph = Graph(name: "", nodes: [], outputs: [0], classes: nil)
    public var validSizes: ValidSizes?
    public var input = Pipeline.defaultInput
    public var shapes: [Shape] = []
    public var layers: [LayerSummary] = []
}

/// Everything the analysis derives for one model at one input size.
public struct Compilation: Sendable {
    public var spec: ModelSpec
    public var graph: Graph
    public var input: Pair
    public var shapes: [Shape]
    public var validSizes: ValidSizes
    public var layers: [LayerSummary]
}

public struct GraphPass: Sendable {
    public let name: String
    public let run: @Sendable (inout Analysis, Diagnostics) -> Void
}

public enum Pipeline {
    public static let defaultInput = Pair(500)

    /// The passes that do not depend on the input size.
    public static let analysisPasses: [GraphPass] = [
        GraphPass(name: "build-graph") { a, d in if let g = BuildGraphPass(diagnostics: d).run(a.spec) { a.graph = g } },
        GraphPass(name: "infer-channels") { a, d in InferChannelsPass(diagnostics: d).run(&a.graph) },
        GraphPass(name: "warn-suspicious") { a, d in WarnSuspiciousPass(diagnostics: d).run(a.graph) },
        GraphPass(name: "infer-crop-offsets") { a, d in InferCropOffsetsPass(diagnostics: d).run(&a.graph) },
        GraphPass(name: "valid-sizes") { a, _ in a.validSizes = ValidSizesPass().run(a.graph, limit: a.options.sizeLimit) },
    ]

    /// The passes that run once per input size.
    public static let sizePasses: [GraphPass] = [
        GraphPass(name: "infer-shapes") { a, d in
            guard let shapes = InferShapesPass(diagnostics: d).run(a.graph, input: a.input) else {
                // Say so only when the size asked for is below the smallest valid one (not for gaps or overflow).
                if let v = a.validSizes, let s0 = v.smallest[0], let s1 = v.smallest[1], a.input.h < s0 || a.input.w < s1 {
                    d.add(Diagnostic(.note, .inputTooSmall, "the smallest input this network accepts is \(s0)x\(s1)", at: nil))
                }
                return
            }
            a.shapes = shapes
        },
        GraphPass(name: "summarize") { a, _ in a.layers = Summaries.make(a.graph, shapes: a.shapes) },
    ]

    public static var passNames: [String] { (analysisPasses + sizePasses).map(\.name) }

    /// Called after each pass that succeeded, with its name (`fcngc compile --print-after`).
    public typealias Observer = (String, Analysis) -> Void

    public static func compile(_ path: String, options: CompileOptions = CompileOptions(),
                               diagnostics: Diagnostics, observer: Observer? = nil) -> Compilation? {
        guard let spec = SpecLoader(diagnostics: diagnostics, catalog: OpRegistry.catalog).load(path) else { return nil }
        return compile(spec, options: options, diagnostics: diagnostics, observer: observer)
    }

    public static func compile(_ spec: ModelSpec, options: CompileOptions, diagnostics: Diagnostics,
                               observer: Observer? = nil) -> Compilation? {
        guard let a = analyse(spec, options: options, diagnostics: diagnostics, observer: observer) else { return nil }
        return compile(a, input: options.input, diagnostics: diagnostics, observer: observer)
    }

    /// The size-independent passes: a graph with every crop offset derived, and its valid sizes.
    public static func analyse(_ spec: ModelSpec, options: CompileOptions = CompileOptions(), diagnostics: Diagnostics,
                               observer: Observer? = nil) -> Analysis? {
        var a = Analysis(spec: spec, options: options)
        return run(analysisPasses, &a, diagnostics, observer) ? a : nil
    }

    /// The size-dependent passes on an analysed model, at `input` (nil: the spec's example size).
    public static func compile(_ analysed: Analysis, input: Pair?, diagnostics: Diagnostics, observer: Observer? = nil) -> Compilation? {
        var a = analysed
        a.input = input ?? a.spec.input.size?.value ?? defaultInput
        guard run(sizePasses, &a, diagnostics, observer), let valid = a.validSizes else { return nil }
        return Compilation(spec: a.spec, graph: a.graph, input: a.input, shapes: a.shapes, validSizes: valid, layers: a.layers)
    }

    static func run(_ passes: [GraphPass], _ a: inout Analysis, _ diagnostics: Diagnostics, _ observer: Observer?) -> Bool {
        for pass in passes {
            pass.run(&a, diagnostics)
            if diagnostics.hasErrors { return false }
            assert(VerifyGraph.problems(a, after: pass.name).isEmpty, "after \(pass.name): \(VerifyGraph.problems(a, after: pass.name))")
            observer?(pass.name, a)
        }
        return true
    }
}
