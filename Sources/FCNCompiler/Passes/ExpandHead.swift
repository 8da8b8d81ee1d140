// Expands a classic FCN head (score layer + ladder of upsampling steps with skip taps) into
// ordinary layers with the reference net's names, so every later pass sees one kind of graph.
//
// For `score: fc7` and steps [{upsample: 2, skip: pool4}, {upsample: 2, skip: pool3}, {upsample: 8}]:
//   score_fr      conv 1x1 -> classes, on fc7
//   upscore2      deconv stride 2 (kernel 2*stride unless given)
//   score_pool4   conv 1x1 on pool4 (on scale_pool4 = pool4 * scale, if the step has `scale`)
//   score_pool4c  crop score_pool4 like upscore2        (offset inferred later)
//   fuse_pool4    sum upscore2 + score_pool4c
//   upscore_pool4, score_pool3, score_pool3c, fuse_pool3  (the same, one rung finer)
//   upscore8      deconv stride 8
//   score         crop like the input
// Upsampler names: a single step is `upscore`; the first of several and the last are
// `upscore<stride>`; those in between (and a last one whose name is taken) are
// `upscore_<previous tap>`.

import FCNPlan
import FCNSpec

struct ExpandHead {
    let head: HeadSpec
    let classes: Located<Int>
    /// The network input the final crop takes its size from (the first input).
    var input = "input"

    func layers() -> [(spec: LayerSpec, step: Int?)] {
        var out: [(spec: LayerSpec, step: Int?)] = []
        var score = LayerSpec(kind: OpKind.conv.rawValue, name: "score_fr", location: head.score.location)
        score.inputs = [head.score]
        score.set("out", .int(classes.value), at: classes.location)
        score.set("kernel", .pair(Pair(1)), at: head.score.location)
        out.append((score, nil))
        var current = score.name
        var previousTap: String?
        let n = head.steps.count
        for (i, step) in head.steps.enumerated() {
            let s = step.upsample
            var name: String
            if n == 1 { name = "upscore" } else if i == 0 || i == n - 1 { name = "upscore\(s.value)" } else {
                name = "upscore_\(previousTap ?? "\(i)")"
            }
            // Ladders the reference never had (e.g. three 2x steps) must not reuse a name.
            if out.contains(where: { $0.spec.name == name }) { name = "upscore_\(previousTap ?? "\(i)")" }
            var up = LayerSpec(kind: OpKind.deconv.rawValue, name: name, location: s.location)
            up.inputs = [Located(current, at: s.location)]
            up.set("stride", .pair(Pair(s.value)), at: s.location)
            if let k = step.kernel { up.set("kernel", .pair(Pair(k.value)), at: k.location) }
            up.set("out", .int(classes.value), at: classes.location)
            up.set("bias", .bool(false), at: s.location)
            let initializer = step.initializer ?? head.upsample.location.map { Located(head.upsample.initializer, at: $0) }
                ?? Located(head.upsample.initializer, at: s.location)
            up.set("init", .word(initializer.value), at: initializer.location)
            let learn = step.learn ?? Located(head.upsample.learn, at: head.upsample.location ?? s.location)
            up.set("learn", .bool(learn.value), at: learn.location)
            out.append((up, i))
            current = name
            guard let tap = step.skip else { continue }
            var tapSource = tap
            if let scale = step.scale {
                var sc = LayerSpec(kind: OpKind.scale.rawValue, name: "scale_\(tap.value)", location: scale.location)
                sc.inputs = [tap]
                sc.set("value", .double(scale.value), at: scale.location)
                out.append((sc, i))
                tapSource = Located(sc.name, at: scale.location)
            }
            var conv = LayerSpec(kind: OpKind.conv.rawValue, name: "score_\(tap.value)", location: tap.location)
            conv.inputs = [tapSource]
            conv.set("out", .int(classes.value), at: classes.location)
            conv.set("kernel", .pair(Pair(1)), at: tap.location)
            var crop = LayerSpec(kind: OpKind.crop.rawValue, name: "score_\(tap.value)c", location: tap.location)
            crop.inputs = [Located(conv.name, at: tap.location)]
            crop.set("like", .word(name), at: s.location)
            var fuse = LayerSpec(kind: OpKind.sum.rawValue, name: "fuse_\(tap.value)", location: step.location)
            fuse.inputs = [Located(name, at: s.location), Located(crop.name, at: tap.location)]
            out += [(conv, i), (crop, i), (fuse, i)]
            current = fuse.name
            previousTap = tap.value
        }
        var final = LayerSpec(kind: OpKind.crop.rawValue, name: "score", location: head.steps.last?.location ?? head.location)
        final.inputs = [Located(current, at: final.location)]
        final.set("like", .word(input), at: final.location)
        out.append((final, head.steps.count - 1))
        return out
    }
}
