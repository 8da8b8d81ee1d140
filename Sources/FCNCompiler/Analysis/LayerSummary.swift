// Per-layer numbers for the `compile` table and JSON: output shape, receptive field and
// stride (relative to the input), crop offset, parameters and multiply-accumulates.
//
// Receptive field, per axis: r_out = r_in + (k_ext - 1) * j_in and j_out = j_in * s for
// conv/pool; a deconv output pixel sees ceil(k_ext / s) input pixels, so
// r_out = r_in + (ceil(k_ext/s) - 1) * j_in and j_out = j_in / s. A sum takes the largest.
// MACs: conv = H_out*W_out*C_out*(C_in/g)*kh*kw. A deconvolution is counted as the
// transposed convolution it is, H_in*W_in*C_in*(C_out/g)*kh*kw: every input pixel
// scatters a kernel into each output channel of its group (padding included, so the
// count is the work a direct implementation does, not only what survives a crop).

import FCNSpec
import FCNPlan

public enum Summaries {
    public static func params(_ n: Node, inChannels: Int) -> Int {
        n.op.definition.parameterCount(n, inChannels: inChannels)
    }

    public static func macs(_ n: Node, input: Shape, output: Shape) -> Int {
        n.op.definition.macs(n, input, output)
    }

    public static func make(_ g: Graph, shapes: [Shape]) -> [LayerSummary] {
        var rf = [[Int]](repeating: [1, 1], count: g.nodes.count)
        var jump = [[Rational]](repeating: [.one, .one], count: g.nodes.count)
        var out: [LayerSummary] = []
        for (id, n) in g.nodes.enumerated() {
            if let first = n.inputs.first {
                let srcs = n.op.definition.inputs == .one ? [first] : n.inputs
                for axis in 0..<2 {
                    let r = srcs.map { rf[$0][axis] }.max() ?? 1, j = jump[first][axis]
                    let kext = n.params.kernelExtent(axis), s = n.params.stride[axis]
                    switch n.op.definition.coord {
                    case .convLike:
                        rf[id][axis] = r + Int(((Rational(kext - 1) * j).doubleValue).rounded(.up)); jump[id][axis] = j * Rational(s)
                    case .deconvLike:
                        rf[id][axis] = r + Int(((Rational((kext + s - 1) / s - 1) * j).doubleValue).rounded(.up)); jump[id][axis] = j / Rational(s)
                    case .elementwise, .crop, .source:
                        rf[id][axis] = r; jump[id][axis] = j
                    case .resample:
                        rf[id][axis] = r; jump[id][axis] = jump[n.like ?? 0][axis]
                    }
                }
            }
            let inShape = n.inputs.first.map { shapes[$0] } ?? shapes[id]
            out.append(LayerSummary(
                name: n.name, op: n.op.rawValue, inputs: n.inputs.map { g[$0].name } + (n.like.map { ["like:" + g[$0].name] } ?? []),
                shape: shapes[id].array, receptiveField: rf[id], stride: jump[id].map(\.description),
                offset: n.cropOffset.map { [$0.h, $0.w] }, params: params(n, inChannels: inShape.c),
                macs: macs(n, input: inShape, output: shapes[id]), location: n.location.description, origin: n.origin))
        }
        return out
    }
}
