// Which input sizes the network accepts, proved by exhaustion per axis.
//
// Every layer's output size along an axis depends only on that axis's input size and
// parameters, so H x W is valid exactly when H is valid for the height chain and W for
// the width chain. We run both chains for every size from 1 to `limit` (4096 by default)
// and report: the smallest valid size per axis, any invalid size above it (a "gap"), and
// whether the output size equals the input size at every valid size. This is a proof for
// all 4096 x 4096 pairs, not a sample; nothing is claimed beyond the limit.

import FCNPlan
import FCNSpec

public struct ValidSizes: Codable, Sendable, Equatable {
    public var limit: Int
    /// Smallest valid size per axis (nil: none up to the limit).
    public var smallest: [Int?]
    /// Invalid sizes above the smallest, per axis (at most 20 listed).
    public var gaps: [[Int]]
    /// Valid sizes where output != input, per axis (at most 20 listed).
    public var outputMismatches: [[Int]]
    /// For the size just below the smallest: the layer that fails first.
    public var firstFailure: [String?]

    public var everySizeValid: Bool { smallest.allSatisfy { $0 != nil } && gaps.allSatisfy(\.isEmpty) }
}

public struct ValidSizesPass {
    public init() {}

    public func run(_ g: Graph, limit: Int = 4096) -> ValidSizes {
        var result = ValidSizes(limit: limit, smallest: [nil, nil], gaps: [[], []], outputMismatches: [[], []], firstFailure: [nil, nil])
        for axis in 0..<2 {
            var lastFailure: String?
            for size in 1...limit {
                switch Self.chain(g, axis: axis, size: size) {
                case .failure(let layer):
                    if result.smallest[axis] == nil { lastFailure = layer.layer } else if result.gaps[axis].count < 20 { result.gaps[axis].append(size) }
                case .success(let out):
                    if result.smallest[axis] == nil {
                        result.smallest[axis] = size
                        result.firstFailure[axis] = lastFailure
                    }
                    if out != size, result.outputMismatches[axis].count < 20 { result.outputMismatches[axis].append(size) }
                }
            }
        }
        return result
    }

    struct Failure: Error { let layer: String }

    /// The output size along one axis, or the name of the first layer that fails.
    static func chain(_ g: Graph, axis: Int, size: Int) -> Result<Int, Failure> {
        var sizes = [Int](repeating: 0, count: g.nodes.count)
        for (id, n) in g.nodes.enumerated() {
            if n.op == .input { sizes[id] = size; continue }
            let ref = n.like.map { sizes[$0] }
            if n.op.definition.inputs != .one, n.inputs.contains(where: { sizes[$0] != sizes[n.inputs[0]] }) { return .failure(Failure(layer: n.name)) }
            switch ShapeRules.outSize(n, axis: axis, input: sizes[n.inputs[0]], reference: ref) {
            case .success(let s): sizes[id] = s
            case .failure: return .failure(Failure(layer: n.name))
            }
        }
        return .success(sizes[g.output])
    }
}
