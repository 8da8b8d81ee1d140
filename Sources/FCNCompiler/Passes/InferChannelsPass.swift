// Works out the channel count of every node, in topological order, and checks the
// channel rules: a sum's inputs agree; a group divides both sides of a convolution; a
// fixed bilinear upsampler maps each channel to itself (out == in, one group). A deconv
// without `out` keeps its input's channels.

import FCNSpec

public struct InferChannelsPass {
    public let diagnostics: Diagnostics
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public func run(_ g: inout Graph) {
        for id in g.nodes.indices {
            var n = g[id]
            let inC = n.inputs.first.map { g[$0].channels } ?? g.inputChannels
            switch n.op {
            case .input: n.channels = g.inputChannels
            case .conv, .deconv:
                if n.op == .deconv, n.params.out == 0 { n.params.out = inC }
                n.channels = n.params.out
                let grp = n.params.group
                if inC % grp != 0 || n.channels % grp != 0 {
                    diagnostics.error(.groupMismatch,
                        "'\(n.name)' has \(grp) groups, which must divide its \(inC) input and \(n.channels) output channels",
                        at: n.at("group"), notes: [.init("input comes from '\(g[n.inputs[0]].name)'", at: g[n.inputs[0]].location)])
                }
                if n.op == .deconv, n.params.upsampler == .fixedBilinear, n.channels != inC || grp != 1 {
                    diagnostics.error(.badValue,
                        "fixed bilinear upsampler '\(n.name)' maps each channel to itself, so it needs out == in (\(inC)) and one group; found out \(n.channels), group \(grp)",
                        at: n.at("out"), fix: "remove 'out' and 'group', or write 'learn: true' to use weights from a file")
                }
            case .sum:
                n.channels = inC
                for j in n.inputs.dropFirst() where g[j].channels != inC {
                    diagnostics.error(.channelMismatch,
                        "sum '\(n.name)' adds '\(g[n.inputs[0]].name)' (\(inC) channels) and '\(g[j].name)' (\(g[j].channels) channels)",
                        at: n.location, notes: [.init("'\(g[j].name)' defined here", at: g[j].location),
                                                .init("'\(g[n.inputs[0]].name)' defined here", at: g[n.inputs[0]].location)])
                }
            case .relu, .pool, .lrn, .dropout, .scale, .crop:
                n.channels = inC
            }
            g[id] = n
        }
    }
}
