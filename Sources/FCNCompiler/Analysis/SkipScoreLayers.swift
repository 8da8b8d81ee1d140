// Layers whose output is only ever added to another path: a convolution that reaches a sum
// through value-preserving-zero layers (crop, scale, relu, dropout, resize) and nothing else. Zero
// weights and bias there make the sum return its other input unchanged, which is how FCN-16s
// was started from FCN-32s (score_pool4 zero-initialised): the new net first computes the old
// one's scores. `fcngc weights NEW --from OLD` zero-initialises these when OLD lacks them.

extension Graph {
    /// Names of the convolutions that only feed sums (see above), in graph order.
    public var sumOnlyConvolutions: [String] {
        let consumers = consumers()
        func onlyFeedsSums(_ id: NodeID) -> Bool {
            let readers = consumers[id]
            guard !readers.isEmpty, id != output else { return false }
            return readers.allSatisfy { r in
                switch nodes[r].op {
                case .sum: return true
                case .crop: return nodes[r].inputs.first == id && onlyFeedsSums(r)
                case .scale, .relu, .dropout, .resize: return onlyFeedsSums(r)
                case .input, .conv, .deconv, .pool, .lrn, .batchnorm, .concat: return false
                }
            }
        }
        return nodes.indices.filter { nodes[$0].op == .conv && onlyFeedsSums($0) }.map { nodes[$0].name }
    }
}
