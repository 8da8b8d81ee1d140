// `fcngc compile` without a plan: the per-layer table (name, op, output shape, receptive
// field, stride, crop offset, parameters, MACs) with totals, and its JSON twin.
// JSON keys `input`, `layers[].name/op/inputs/shape/offset` are a stable interface.

import FCNPlan
import Foundation
import FCNSpec

public struct SummaryReport: Codable, Sendable {
    public var format = "fcngc-summary"
    public var version = 1
    public var model: String
    public var input: [Int]
    public var output: [Int]
    /// Every input and output by name, in order (the first of each is `input` / `output`).
    public var inputs: [NamedShape]
    public var outputs: [NamedShape]
    public var layers: [LayerSummary]
    public var totals: Totals
    public var validSizes: ValidSizes

    public struct NamedShape: Codable, Sendable {
        public var name: String
        public var shape: [Int]
    }

    public struct Totals: Codable, Sendable {
        public var params: Int
        public var macs: Int
        public var activations: Int
    }

    public init(_ c: Compilation) {
        model = c.spec.name
        input = [c.graph.inputChannels, c.input.h, c.input.w]
        output = c.shapes[c.graph.output].array
        inputs = c.graph.inputs.map { NamedShape(name: c.graph[$0].name, shape: c.shapes[$0].array) }
        outputs = c.graph.outputs.map { NamedShape(name: c.graph[$0].name, shape: c.shapes[$0].array) }
        layers = c.layers
        totals = Totals(params: c.layers.reduce(0) { $0 + $1.params }, macs: c.layers.reduce(0) { $0 + $1.macs },
                        activations: c.shapes.reduce(0) { $0 + $1.count })
        validSizes = c.validSizes
    }

    public func json() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! enc.encode(self), as: UTF8.self) + "\n"
    }

    public func text() -> String {
        var t = TextTable(["layer", "op", "output", "rf", "stride", "offset", "params", "MACs"], rightAligned: [3, 4, 5, 6, 7])
        for l in layers {
            let rf = l.receptiveField[0] == l.receptiveField[1] ? "\(l.receptiveField[0])" : "\(l.receptiveField[0])x\(l.receptiveField[1])"
            let st = l.stride[0] == l.stride[1] ? l.stride[0] : "\(l.stride[0])x\(l.stride[1])"
            let off = l.offset.map { $0[0] == $0[1] ? "\($0[0])" : "\($0[0]),\($0[1])" } ?? ""
            t.add([l.name, l.op, l.shape.map(String.init).joined(separator: "x"), rf, st, off,
                   l.params == 0 ? "" : Format.grouped(l.params), l.macs == 0 ? "" : Format.short(l.macs)])
        }
        let inputText = PlanReport.interface("input", inputs.map { ($0.name, $0.shape) })
        let outputText = PlanReport.interface("output", outputs.map { ($0.name, $0.shape) })
        var out = "model \(model): \(inputText) -> \(outputText)\n\n"
        out += t.render() + "\n\n"
        out += "total: \(Format.grouped(totals.params)) parameters, \(Format.grouped(totals.macs)) MACs (\(Format.short(totals.macs))), "
        out += "\(Format.short(totals.activations)) activation values\n"
        out += "MACs: conv = Hout*Wout*Cout*Cin/g*kh*kw; deconv = Hin*Win*Cin*Cout/g*kh*kw (the transposed convolution, all of it)\n"
        out += validSizes.summary + "\n"
        return out
    }
}

extension ValidSizes {
    /// One honest sentence on what was checked.
    public var summary: String {
        guard let h = smallest[0], let w = smallest[1] else {
            return "no input size up to \(limit) is valid (first failing layer: \(firstFailure.compactMap { $0 }.first ?? "?"))"
        }
        var s = "valid sizes: smallest input \(h)x\(w)"
        if let f = firstFailure[0] ?? firstFailure[1] { s += " (below it '\(f)' fails)" }
        if everySizeValid {
            s += "; every H in \(h)...\(limit) and W in \(w)...\(limit) checked valid"
        } else {
            func list(_ g: [Int]) -> String { g.isEmpty ? "none" : g.map(String.init).joined(separator: ",") + (g.count >= 20 ? ",... (first 20 shown)" : "") }
            s += "; invalid sizes above it: H \(list(gaps[0])), W \(list(gaps[1]))"
        }
        if outputMismatches.allSatisfy(\.isEmpty) { s += ", output size = input size at all of them" } else {
            s += "; output differs from input at H \(outputMismatches[0].prefix(5).map(String.init).joined(separator: ",")) W \(outputMismatches[1].prefix(5).map(String.init).joined(separator: ","))"
        }
        return s + " (shape rules only: tensor sizes over 2^31 values are checked at each size you compile)"
    }
}
