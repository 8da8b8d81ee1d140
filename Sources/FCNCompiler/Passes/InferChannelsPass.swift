// Works out the channel count of every node, in topological order, by each op's channel
// rule (its definition), which also checks it: a sum's inputs agree; a group divides both
// sides of a convolution; a fixed bilinear upsampler maps each channel to itself (out ==
// in, one group). A deconv without `out` keeps its input's channels.

import FCNPlan
import FCNSpec

public struct InferChannelsPass {
    public let diagnostics: Diagnostics
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public func run(_ g: inout Graph) {
        for id in g.nodes.indices {
            var n = g[id]
            if n.op == .input {
                n.channels = n.params.out
            } else {
                n.op.definition.channels(&n, n.inputs.map { g[$0] }, diagnostics)
            }
            g[id] = n
        }
    }
}
