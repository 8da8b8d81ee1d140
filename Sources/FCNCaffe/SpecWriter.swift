// Writes the imported net as a spec that reads like the shipped ones: `backbone:` naming a
// shipped backbone file when the net starts with one, `head:` with `steps:` when the rest is
// the classic head, otherwise every remaining layer in an explicit `graph:`, one flow-style
// line per layer (SpecLayerWriter). Crop offsets are never written.

import Foundation
import FCNSpec
import FCNCompiler

struct SpecInput {
    var channels: Int
    var order: String
    var mean: [Double]?
    var scale: Double?
    var size: Pair?
}

struct SpecForm {
    var backbone: BackboneCatalog.Entry?
    /// Write the backbone inline instead of naming its file (the file beside the output differs).
    var inlineBackbone = false
    var backboneLayers: Set<String> = []
    var head: RecognizedHead?
}

struct SpecWriter {
    let net: ImportedNet
    let name: String
    let input: SpecInput
    let header: [String]

    func text(_ form: SpecForm) -> String {
        var out = header.map { "# " + $0 }
        out.append("name: \(SpecLayerWriter.scalar(name))")
        out.append("input:")
        out.append("  channels: \(input.channels)")
        out.append("  order: \(input.order)")
        if let mean = input.mean { out.append("  mean: [\(mean.map { "\($0)" }.joined(separator: ", "))]") }
        if let scale = input.scale { out.append("  scale: \(scale)") }
        if let size = input.size { out.append("  size: \(size.isSquare ? "\(size.h)" : "[\(size.h), \(size.w)]")") }
        if let head = form.head { out.append("classes: \(head.classes)") }
        if let b = form.backbone {
            if form.inlineBackbone {
                out.append("backbone:")
                out += b.text.split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("#") }.map { "  " + $0 }
            } else {
                out.append("backbone: \(b.file)")
            }
        }
        let rest = net.layers.filter { !form.backboneLayers.contains($0.name) }
        if let head = form.head {
            out += headLines(head)
        } else if !rest.isEmpty {
            let w = SpecLayerWriter(net: net, first: form.backbone == nil)
            let (lines, last) = w.lines(rest)
            out.append("graph:")
            out += lines.map { "  - " + $0 }
            if let o = net.outputs.first, o != last { out.append("output: \(SpecLayerWriter.scalar(o))") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    func headLines(_ head: RecognizedHead) -> [String] {
        let learnedAll = head.steps.allSatisfy(\.learned), mixed = !learnedAll && head.steps.contains(where: \.learned)
        var out = ["head:", "  score: \(SpecLayerWriter.scalar(head.score))",
                   "  upsample: {init: bilinear, learn: \(learnedAll)}", "  steps:"]
        for s in head.steps {
            var keys = ["upsample: \(s.upsample)"]
            if let k = s.kernel { keys.append("kernel: \(k)") }
            if let t = s.skip { keys.append("skip: \(SpecLayerWriter.scalar(t))") }
            if let v = s.scale { keys.append("scale: \(v)") }
            if mixed, s.learned { keys.append("learn: true") }
            out.append("    - {\(keys.joined(separator: ", "))}")
        }
        return out
    }
}

/// One imported layer as one flow-style spec line: `{conv: conv1_1, out: 64, kernel: 3, pad: 100, relu: relu1_1}`.
/// `from:` is written unless the layer reads the line before it; an in-place ReLU right after
/// its convolution becomes the conv's `relu:`; defaults are left out.
struct SpecLayerWriter {
    let net: ImportedNet
    /// The list starts the spec (no backbone before it), so its first layer names its input.
    let first: Bool

    func lines(_ layers: [ImportedLayer]) -> (lines: [String], last: String?) {
        // A ReLU/Dropout right after the layer it reads rewrites that layer in a spec. Caffe
        // does so only in place; one that is not in place, while other layers read the
        // value before it, moves to the end so the spec keeps Caffe's meaning.
        let consumers = net.consumers()
        var order = layers
        var moved: [ImportedLayer] = []
        var i = 1
        while i < order.count {
            let l = order[i]
            if l.op == .relu || l.op == .dropout, !l.inPlace, l.inputs.first == order[i - 1].name,
               (consumers[order[i - 1].name] ?? []).count > 1 {
                moved.append(order.remove(at: i))
            } else { i += 1 }
        }
        order += moved
        var out: [String] = []
        var previous: String? = first ? nil : "\u{0}"
        var k = 0
        while k < order.count {
            let l = order[k]
            var line = keys(l, previous: previous)
            if l.op == .conv, k + 1 < order.count, order[k + 1].op == .relu, order[k + 1].inPlace, order[k + 1].inputs == [l.name] {
                line.append("relu: \(Self.scalar(order[k + 1].name))")
                previous = order[k + 1].name
                k += 2
            } else {
                previous = l.name
                k += 1
            }
            out.append("{" + line.joined(separator: ", ") + "}")
        }
        return (out, previous)
    }

    func ref(_ name: String) -> String { net.inputs.contains { $0.name == name } ? "input" : Self.scalar(name) }

    func keys(_ l: ImportedLayer, previous: String?) -> [String] {
        let p = l.params
        var k = ["\(l.op.rawValue): \(Self.scalar(l.name))"]
        if l.op == .sum {
            k.append("from: [\(l.inputs.map(ref).joined(separator: ", "))]")
        } else if let i = l.inputs.first, i != previous || previous == nil {
            k.append("from: \(ref(i))")
        }
        func pair(_ key: String, _ v: Pair, unless d: Pair?) {
            if v != d { k.append("\(key): " + (v.isSquare ? "\(v.h)" : "[\(v.h), \(v.w)]")) }
        }
        switch l.op {
        case .conv:
            k.append("out: \(p.out)")
            pair("kernel", p.kernel, unless: nil)
            pair("stride", p.stride, unless: Pair(1))
            pair("pad", p.pad, unless: Pair(0))
            pair("dilation", p.dilation, unless: Pair(1))
            if p.group != 1 { k.append("group: \(p.group)") }
            if !p.bias { k.append("bias: false") }
        case .deconv:
            k.append("out: \(p.out)")
            pair("stride", p.stride, unless: nil)
            pair("kernel", p.kernel, unless: Pair(2 * p.stride.h, 2 * p.stride.w))
            pair("pad", p.pad, unless: Pair(0))
            pair("dilation", p.dilation, unless: Pair(1))
            if p.group != 1 { k.append("group: \(p.group)") }
            if p.bias { k.append("bias: true") }
            if p.upsampler != .fixedBilinear { k.append("learn: true") }
        case .pool:
            if p.method != .max { k.append("method: \(p.method.rawValue)") }
            pair("kernel", p.kernel, unless: nil)
            pair("stride", p.stride, unless: nil)
            pair("pad", p.pad, unless: Pair(0))
            if p.rounding != .ceil { k.append("rounding: \(p.rounding.rawValue)") }
        case .lrn:
            if p.lrnSize != 5 { k.append("size: \(p.lrnSize)") }
            if p.alpha != 1 { k.append("alpha: \(p.alpha)") }
            if p.beta != 0.75 { k.append("beta: \(p.beta)") }
            if p.lrnK != 1 { k.append("k: \(p.lrnK)") }
        case .dropout:
            if p.ratio != 0.5 { k.append("ratio: \(p.ratio)") }
        case .scale:
            k.append("value: \(p.value)")
        case .crop:
            k.append("like: \(l.like.map(ref) ?? "input")")
        case .relu, .sum, .concat:
            break
        }
        return k
    }

    /// A name as a YAML plain scalar when that reads back as the same string, else quoted.
    static func scalar(_ s: String) -> String {
        let plain = s.range(of: "^[A-Za-z_][A-Za-z0-9_./-]*$", options: .regularExpression) != nil
        let special = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(s.lowercased())
        if plain && !special { return s }
        var q = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": q += "\\\""
            case "\\": q += "\\\\"
            default: q.unicodeScalars.append(ch)
            }
        }
        return q + "\""
    }
}
