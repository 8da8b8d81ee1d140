// Finds the classic FCN head in the layers after the backbone: score_fr on the backbone's
// output, then a ladder of upsampling deconvolutions, each optionally followed by a skip tap
// (scale_T?, score_T, its crop score_Tc like the upsampler, fuse_T = upsampler + crop), and a
// final crop like the input. It reads structure only; the names and every attribute are
// checked afterwards by compiling the written head and comparing it with the prototxt's net.

import FCNSpec
import FCNCompiler

struct HeadStep: Equatable {
    var upsample: Int
    var kernel: Int?
    var skip: String?
    var scale: Double?
    var learned: Bool
}

struct RecognizedHead: Equatable {
    var score: String
    var classes: Int
    var steps: [HeadStep]
}

struct HeadRecognizer {
    let net: ImportedNet
    /// Layers already written as the backbone.
    let backbone: Set<String>

    /// The base of an in-place chain (`relu7` written in place over `fc7` -> `fc7`): the name a
    /// spec uses for the chain's end.
    func base(_ name: String) -> String {
        var cur = name
        while let l = net.layer(cur), l.inPlace, l.op == .relu || l.op == .dropout, let i = l.inputs.first { cur = i }
        return cur
    }

    func recognize() -> RecognizedHead? {
        let rest = net.layers.filter { !backbone.contains($0.name) }
        let consumers = net.consumers()
        func reading(_ name: String) -> [ImportedLayer] {
            (consumers[name] ?? []).compactMap { n in rest.first { $0.name == n } }
        }
        guard net.inputs.count == 1, let scoreFr = rest.first(where: { $0.name == "score_fr" }), scoreFr.op == .conv,
              let x = scoreFr.inputs.first, backbone.contains(x), isScoreConv(scoreFr, classes: scoreFr.params.out) else { return nil }
        let classes = scoreFr.params.out
        var covered: Set<String> = [scoreFr.name]
        var steps: [HeadStep] = []
        var current = scoreFr.name
        while true {
            let next = reading(current)
            guard next.count == 1, let up = next.first, up.op == .deconv, isUpsampler(up, classes: classes) else { return nil }
            covered.insert(up.name)
            let s = up.params.stride.h
            var step = HeadStep(upsample: s, kernel: up.params.kernel.h == 2 * s ? nil : up.params.kernel.h, skip: nil, scale: nil,
                                learned: up.params.upsampler != .fixedBilinear)
            let after = reading(up.name)
            if after.count == 1, let final = after.first, final.op == .crop, final.inputs == [up.name],
               final.like == net.inputs[0].name {
                covered.insert(final.name)
                steps.append(step)
                break
            }
            guard after.count == 2, let crop = after.first(where: { $0.op == .crop && $0.like == up.name }),
                  let fuse = after.first(where: { $0.op == .sum && $0.inputs == [up.name, crop.name] }),
                  let score = rest.first(where: { $0.name == crop.inputs.first }), isScoreConv(score, classes: classes),
                  let tapInput = score.inputs.first else { return nil }
            var tap = tapInput
            if let scale = rest.first(where: { $0.name == tapInput }), scale.op == .scale, let t = scale.inputs.first {
                step.scale = scale.params.value
                covered.insert(scale.name)
                tap = t
            }
            guard backbone.contains(tap) else { return nil }
            step.skip = base(tap)
            covered.formUnion([crop.name, fuse.name, score.name])
            steps.append(step)
            current = fuse.name
        }
        guard covered == Set(rest.map(\.name)) else { return nil }
        return RecognizedHead(score: base(x), classes: classes, steps: steps)
    }

    func isScoreConv(_ l: ImportedLayer, classes: Int) -> Bool {
        let p = l.params
        return l.op == .conv && p.out == classes && p.kernel == Pair(1) && p.stride == Pair(1) && p.pad == Pair(0)
            && p.dilation == Pair(1) && p.group == 1 && p.bias
    }

    func isUpsampler(_ l: ImportedLayer, classes: Int) -> Bool {
        let p = l.params
        return p.out == classes && p.stride.isSquare && p.kernel.isSquare && p.pad == Pair(0) && p.dilation == Pair(1)
            && p.group == 1 && !p.bias
    }
}
