// Finds the shipped backbones an imported net is made of: for each of its inputs, the
// convolution reading it is a backbone's first layer, under the same name or with a prefix or
// suffix (NYUD color-HHA's `conv1_1color`, `conv1_1hha`: two VGG16 streams). Each candidate is
// compiled from the shipped file, renamed the way the spec would rename it, and must be a part
// of the prototxt's net, attribute for attribute. One stream without affix on a one-input net
// is written `backbone: backbones/vgg16.yaml`; anything else `backbones:` with `suffix:` etc.

import Foundation
import FCNSpec
import FCNCompiler

/// One backbone file as one stream of the net.
struct BackboneStream {
    var entry: BackboneCatalog.Entry
    var prefix = ""
    var suffix = ""
    /// The net's input the stream's first layer reads (Caffe's top name).
    var input: String
    /// The net's layers the stream covers.
    var layers: Set<String>

    var isPlain: Bool { prefix.isEmpty && suffix.isEmpty }
}

enum BackboneMatcher {
    /// The streams the net starts with, one per input at most, in input order.
    static func match(_ net: ImportedNet, catalog: [BackboneCatalog.Entry]) throws -> [BackboneStream] {
        let named = net.inputs.count > 1
        let have = GraphSignature.of(CropAudit.makeGraph(net), namedInputs: named)
        var streams: [BackboneStream] = []
        for input in net.inputs {
            let firstConvs = net.layers.filter { $0.op == .conv && $0.inputs == [input.name] }
            search: for conv in firstConvs {
                for entry in catalog {
                    guard let first = entry.firstLayer else { continue }
                    var affixes: [(String, String)] = []
                    if conv.name == first { affixes.append(("", "")) }
                    if conv.name.count > first.count, conv.name.hasPrefix(first) { affixes.append(("", String(conv.name.dropFirst(first.count)))) }
                    if conv.name.count > first.count, conv.name.hasSuffix(first) { affixes.append((String(conv.name.dropLast(first.count)), "")) }
                    for (prefix, suffix) in affixes {
                        guard let names = try probe(entry, prefix: prefix, suffix: suffix, input: input, named: named, have: have, net: net),
                              !streams.contains(where: { !$0.layers.isDisjoint(with: names) }) else { continue }
                        streams.append(BackboneStream(entry: entry, prefix: prefix, suffix: suffix, input: input.name, layers: names))
                        break search
                    }
                }
            }
        }
        return streams
    }

    /// Compiles the backbone as the spec would write it; the net's layers it covers if every
    /// one of its layers is in the net with the same signature.
    static func probe(_ entry: BackboneCatalog.Entry, prefix: String, suffix: String, input: ImportedInput, named: Bool,
                      have: [String: NodeSignature], net: ImportedNet) throws -> Set<String>? {
        let scratch = try ScratchDirectory()
        _ = try scratch.write(entry.text + "\n", to: entry.file)
        let q = SpecLayerWriter.scalar
        var text = "name: probe\n"
        var reference = ["file: \(entry.file)"]
        if !prefix.isEmpty { reference.append("prefix: \(q(prefix))") }
        if !suffix.isEmpty { reference.append("suffix: \(q(suffix))") }
        if named {
            text += "inputs:\n  \(q(input.name)): {channels: \(input.channels ?? 3)}\n"
            reference.append("input: \(q(input.name))")
        } else {
            text += "input: {channels: \(input.channels ?? 3)}\n"
        }
        text += "backbone: {\(reference.joined(separator: ", "))}\n"
        let model = try scratch.write(text, to: "probe.yaml")
        let diagnostics = Diagnostics()
        var options = CompileOptions()
        options.sizeLimit = 16
        guard let spec = SpecLoader(diagnostics: diagnostics, catalog: OpRegistry.catalog).load(model),
              let graph = Pipeline.analyse(spec, options: options, diagnostics: diagnostics)?.graph else { return nil }
        let want = GraphSignature.of(graph, namedInputs: named)
        guard want.allSatisfy({ have[$0.key] == $0.value }) else { return nil }
        return Set(graph.nodes.filter { $0.op != .input }.map(\.name)).intersection(net.layers.map(\.name))
    }
}
