// The "would fit" fix for upsamplers written out in `graph:` layers, as the classic head gets
// it on its `upsample:` key. When a crop joins two paths at different strides and one path
// reaches the crop from a deconvolution through stride-1 layers only, that deconvolution's
// stride is the likely mistake: report stride-mismatch at its `stride:` key with the stride
// that would bring the path to the other side's stride.

import FCNSpec

extension InferCropOffsetsPass {
    /// The deconvolution `id`'s value comes from through stride-keeping layers, if any.
    func upsamplerFeeding(_ id: NodeID, _ g: Graph) -> Node? {
        var n = g[id]
        while true {
            switch n.op {
            case .deconv: return n
            case .relu, .dropout, .scale, .crop, .sum, .lrn, .batchnorm, .concat: break
            case .conv, .pool: if n.params.stride != Pair(1) { return nil }
            case .input, .resize: return nil
            }
            guard let first = n.inputs.first else { return nil }
            n = g[first]
        }
    }

    /// True when it reported a stride-mismatch for crop `n` (cropping `x` like `r`).
    func reportGraphStride(_ n: Node, _ x: Node, _ r: Node, _ g: Graph) -> Bool {
        guard let sxm = x.map, let srm = r.map else { return false }
        let sx = Rational.one / sxm.h.a, sr = Rational.one / srm.h.a
        // The reference side first (the usual `crop tap like upsampled`), then the cropped side.
        let candidates: [(Node?, Rational, Node)] = [
            (r.op == .input ? nil : upsamplerFeeding(n.like ?? 0, g), sx, x),
            (upsamplerFeeding(n.inputs[0], g), sr, r),
        ]
        for case let (up?, target, other) in candidates {
            guard up.params.stride.h == up.params.stride.w, let upIn = g[up.inputs[0]].map, let upMap = up.map else { continue }
            let before = Rational.one / upIn.h.a, after = Rational.one / upMap.h.a
            let fit = before / target
            let want = fit.isInteger && fit.num >= 1 && fit.num != up.params.stride.h ? "write 'stride: \(fit.num)'" : nil
            guard let want else { continue }
            let otherText = other.op == .input ? "the input is at stride 1" : "'\(other.name)' is at stride \(target.description)"
            diagnostics.error(.strideMismatch,
                "after upsampling by \(up.params.stride.h) in '\(up.name)' the path is at stride \(after.description), but \(otherText); 'stride: \(fit.num)' would fit",
                at: up.at("stride"), notes: [.init("the path before '\(up.name)' is at stride \(before.description)", at: g[up.inputs[0]].location),
                                            .init("'\(n.name)' crops '\(x.name)' to '\(r.name)' here", at: n.location)],
                fix: want)
            return true
        }
        return false
    }
}
