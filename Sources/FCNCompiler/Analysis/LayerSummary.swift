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
}

public enum Summaries {
    public static func params(_ n: Node, inChannels: Int) -> Int {
        switch n.op {
        case .conv:
            return n.params.out * (inChannels / n.params.group) * n.params.kernel.h * n.params.kernel.w + (n.params.bias ? n.params.out : 0)
        case .deconv:
            guard n.params.upsampler == .learned else { return 0 }
            return inChannels * (n.params.out / n.params.group) * n.params.kernel.h * n.params.kernel.w + (n.params.bias ? n.params.out : 0)
        default: return 0
        }
    }

    public static func macs(_ n: Node, input: Shape, output: Shape) -> Int {
        let k = n.params.kernel.h * n.params.kernel.w
        switch n.op {
        case .conv: return output.h * output.w * output.c * (input.c / n.params.group) * k
        case .deconv: return input.h * input.w * input.c * (output.c / n.params.group) * k
        default: return 0
        }
    }

    public static func make(_ g: Graph, shapes: [Shape]) -> [LayerSummary] {
        var rf = [[Int]](repeating: [1, 1], count: g.nodes.count)
        var jump = [[Rational]](repeating: [.one, .one], count: g.nodes.count)
        var out: [LayerSummary] = []
        for (id, n) in g.nodes.enumerated() {
            if let first = n.inputs.first {
                let srcs = n.op == .sum ? n.inputs : [first]
                for axis in 0..<2 {
                    let r = srcs.map { rf[$0][axis] }.max() ?? 1, j = jump[first][axis]
                    let kext = n.params.kernelExtent(axis), s = n.params.stride[axis]
                    switch n.op.info.coord {
                    case .convLike:
                        let kx = n.op == .pool ? n.params.kernel[axis] : kext
                        rf[id][axis] = r + Int(((Rational(kx - 1) * j).doubleValue).rounded(.up)); jump[id][axis] = j * Rational(s)
                    case .deconvLike:
                        rf[id][axis] = r + Int(((Rational((kext + s - 1) / s - 1) * j).doubleValue).rounded(.up)); jump[id][axis] = j / Rational(s)
                    default:
                        rf[id][axis] = r; jump[id][axis] = j
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
