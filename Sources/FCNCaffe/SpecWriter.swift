// Writes the imported net as a spec that reads like the shipped ones: `input:` (or `inputs:`
// named as Caffe's tops), `backbone:` naming a shipped backbone file when the net starts with
// one (`backbones:` with `suffix:`/`prefix:` for two streams of it), `head:` with `steps:` when
// the rest is the classic head, otherwise every remaining layer in an explicit `graph:`, one
// flow-style line per layer (SpecLayerWriter), and `outputs:` in the net's order when there
// are several. Crop offsets are never written.

import Foundation
import FCNSpec
import FCNCompiler

/// One input as the spec writes it: `input:` for a net with one, else a line under `inputs:`.
struct SpecInput {
    /// Caffe's top name (the key under `inputs:`).
    var name: String
    var channels: Int
    /// nil: not written (the default, rgb: channels as the file stores them).
    var order: String?
    var mean: [Double]?
    var scale: Double?
    var size: Pair?

    var keys: [String] {
        var k = ["channels: \(channels)"]
        if let order { k.append("order: \(order)") }
        if let mean { k.append("mean: [\(mean.map { "\($0)" }.joined(separator: ", "))]") }
        if let scale { k.append("scale: \(scale)") }
        if let size { k.append("size: \(size.isSquare ? "\(size.h)" : "[\(size.h), \(size.w)]")") }
        return k
    }
}

struct SpecForm {
    /// The shipped backbones the net starts with (none: an explicit graph from the input).
    var streams: [BackboneStream] = []
    /// Write the backbone inline instead of naming its file (the file beside the output differs).
    var inlineBackbone = false
    var head: RecognizedHead?

    var backboneLayers: Set<String> { streams.reduce(into: []) { $0.formUnion($1.layers) } }

    /// `backbone: backbones/vgg16.yaml` (one stream, no affix, one input), not the mapping form.
    func isPlainBackbone(inputs: Int) -> Bool { streams.count == 1 && streams[0].isPlain && inputs == 1 }

    var description: String {
        guard let first = streams.first else { return "" }
        if streams.count == 1, first.isPlain { return inlineBackbone ? "backbone \(first.entry.name) (inline)" : "backbone \(first.entry.file)" }
        let each = streams.map { s in
            var affix: [String] = []
            if !s.prefix.isEmpty { affix.append("prefix \(s.prefix)") }
            if !s.suffix.isEmpty { affix.append("suffix \(s.suffix)") }
            affix.append("input \(s.input)")
            return "\(s.entry.file) (\(affix.joined(separator: ", ")))"
        }
        return "backbone\(streams.count == 1 ? "" : "s") " + each.joined(separator: " and ")
    }
}

struct SpecWriter {
    let net: ImportedNet
    let name: String
    let inputs: [SpecInput]
    let header: [String]

    func text(_ form: SpecForm) -> String {
        var out = header.map { "# " + $0 }
        out.append("name: \(SpecLayerWriter.scalar(name))")
        if inputs.count == 1 {
            out.append("input:")
            out += inputs[0].keys.map { "  " + $0 }
        } else {
            out.append("inputs:")
            out += inputs.map { "  \(SpecLayerWriter.scalar($0.name)): {\($0.keys.joined(separator: ", "))}" }
        }
        if let head = form.head {
            out.append("classes: \(head.classes)")
        } else if let primary = net.outputs.first, let c = net.channels(of: primary) {
            out.append("classes: \(c)")
        }
        out += backboneLines(form)
        let rest = net.layers.filter { !form.backboneLayers.contains($0.name) }
        var last: String?
        if let head = form.head {
            out += headLines(head)
        } else if !rest.isEmpty {
            let w = SpecLayerWriter(net: net, first: form.streams.isEmpty, backbone: form.backboneLayers)
            let (lines, end) = w.lines(rest)
            out.append("graph:")
            out += lines.map { "  - " + $0 }
            last = end
        }
        let q = SpecLayerWriter.scalar
        if net.outputs.count > 1 {
            out.append("outputs: [\(net.outputs.map(q).joined(separator: ", "))]")
        } else if let o = net.outputs.first, let l = last, o != l {
            out.append("output: \(q(o))")
        }
        return out.joined(separator: "\n") + "\n"
    }

    func backboneLines(_ form: SpecForm) -> [String] {
        guard let first = form.streams.first else { return [] }
        if form.isPlainBackbone(inputs: net.inputs.count) {
            guard form.inlineBackbone else { return ["backbone: \(first.entry.file)"] }
            return ["backbone:"] + first.entry.text.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("#") }.map { "  " + $0 }
        }
        let q = SpecLayerWriter.scalar
        let refs = form.streams.map { s in
            var k = ["file: \(s.entry.file)"]
            if !s.prefix.isEmpty { k.append("prefix: \(q(s.prefix))") }
            if !s.suffix.isEmpty { k.append("suffix: \(q(s.suffix))") }
            if net.inputs.count > 1 { k.append("input: \(q(s.input))") }
            return "{" + k.joined(separator: ", ") + "}"
        }
        return refs.count == 1 ? ["backbone: " + refs[0]] : ["backbones:"] + refs.map { "  - " + $0 }
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
    /// The layers written as backbones.
    var backbone: Set<String> = []

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

    /// A layer or input as a spec names it: a net's only input is `input`, several keep Caffe's
    /// names; the end of an in-place chain inside a backbone (`drop7` over `relu7` over `fc7`)
    /// by the blob's name, `fc7`, which in a spec means the same (the chain's end).
    func ref(_ name: String) -> String {
        if net.inputs.count == 1, net.inputs[0].name == name { return "input" }
        var cur = name
        while backbone.contains(cur), let l = net.layer(cur), l.inPlace, l.op == .relu || l.op == .dropout,
              let i = l.inputs.first, backbone.contains(i) { cur = i }
        return Self.scalar(cur)
    }

    func keys(_ l: ImportedLayer, previous: String?) -> [String] {
        let p = l.params
        var k = ["\(l.op.rawValue): \(Self.scalar(l.name))"]
        if l.op == .sum || l.op == .concat {
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
        case .sum:
            if let c = l.coefficients { k.append("coefficients: [\(c.map { "\($0)" }.joined(separator: ", "))]") }
        case .relu, .concat:
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
