// The compiler, as one readable list of stages. Each stage collects diagnostics; the
// pipeline stops after a stage that reported an error, so later stages never see a
// graph that an earlier one rejected.
//
//   load spec      SpecLoader            YAML -> ModelSpec (FCNSpec)
//   build graph    BuildGraphPass        ModelSpec -> Graph (head expanded, names resolved)
//   channels       InferChannelsPass     channel counts, groups, sums, bilinear upsamplers
//   warnings       WarnSuspiciousPass    legal but suspicious: holes, random upsamplers
//   crop offsets   InferCropOffsetsPass  coordinate maps, every crop offset derived
//   valid sizes    ValidSizesPass        smallest input, every size up to 4096 per axis
//   shapes         InferShapesPass       every shape at the requested input size
//   summary        Summaries             receptive field, stride, params, MACs

import FCNSpec

public struct CompileOptions: Sendable {
    public var input: Pair?
    public var sizeLimit = 4096
    public init(input: Pair? = nil) { self.input = input }
}

/// Everything the analysis stages derive for one model at one input size.
public struct Compilation: Sendable {
    public var spec: ModelSpec
    public var graph: Graph
    public var input: Pair
    public var shapes: [Shape]
    public var validSizes: ValidSizes
    public var layers: [LayerSummary]
}

public enum Pipeline {
    public static let defaultInput = Pair(500)

    public static func compile(_ path: String, options: CompileOptions = CompileOptions(),
                               diagnostics: Diagnostics) -> Compilation? {
        guard let spec = SpecLoader(diagnostics: diagnostics).load(path) else { return nil }
        return compile(spec, options: options, diagnostics: diagnostics)
    }

    public static func analyse(_ spec: ModelSpec, diagnostics: Diagnostics) -> Graph? {
        guard var graph = BuildGraphPass(diagnostics: diagnostics).run(spec), !diagnostics.hasErrors else { return nil }
        InferChannelsPass(diagnostics: diagnostics).run(&graph)
        if diagnostics.hasErrors { return nil }
        WarnSuspiciousPass(diagnostics: diagnostics).run(graph)
        InferCropOffsetsPass(diagnostics: diagnostics).run(&graph)
        if diagnostics.hasErrors { return nil }
        return graph
    }

    public static func compile(_ spec: ModelSpec, options: CompileOptions, diagnostics: Diagnostics) -> Compilation? {
        guard let graph = analyse(spec, diagnostics: diagnostics) else { return nil }
        let valid = ValidSizesPass().run(graph, limit: options.sizeLimit)
        let input = options.input ?? spec.input.size?.value ?? defaultInput
        guard let shapes = InferShapesPass(diagnostics: diagnostics).run(graph, input: input) else {
            // Say so only when the size asked for is below the smallest valid one (not for gaps or overflow).
            if let s0 = valid.smallest[0], let s1 = valid.smallest[1], input.h < s0 || input.w < s1 {
                diagnostics.add(Diagnostic(.note, .inputTooSmall, "the smallest input this network accepts is \(s0)x\(s1)", at: nil))
            }
            return nil
        }
        return Compilation(spec: spec, graph: graph, input: input, shapes: shapes, validSizes: valid,
                           layers: Summaries.make(graph, shapes: shapes))
    }
}
