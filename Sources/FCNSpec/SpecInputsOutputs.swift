// The model keys that say what goes in and what comes out: `input:` (one input, named
// `input`) or `inputs:` (several, by name, in order); `output:` or `outputs:` (primary first);
// `backbone:` as a file, an inline mapping, or `{file:, prefix:, suffix:, input:}`, and
// `backbones:` as a list of those (two streams of one backbone file under two prefixes).
//
// A backbone's prefix and suffix are applied here, to its layer names and to the references
// among them, so the compiler sees plain layers with the names the weights carry
// (`backbone.` + `layer1.0.conv1` owns `backbone.layer1.0.conv1.weight`).

extension SpecLoader {
    /// `input:` or `inputs:`; exactly one of them (none means one 3-channel input).
    func readInputs(_ r: MappingReader, at loc: SourceLocation) -> [InputSpec] {
        if r.has("input"), r.has("inputs") {
            diagnostics.error(.badValue, "the model has both 'input' and 'inputs'; write one", at: r.keyLocation("inputs") ?? loc)
        }
        guard let node = r.raw("inputs") else {
            var input = readInput(r.raw("input"), at: loc)
            input.location = r.keyLocation("input")
            return [input]
        }
        guard let pairs = node.mapping, !pairs.isEmpty else {
            r.typeError("inputs", "a mapping from input names to their channels, order and mean", node)
            return [InputSpec(channels: Located(3, at: loc))]
        }
        var out: [InputSpec] = []
        var seen: Set<String> = []
        for (key, value) in pairs {
            guard let name = key.scalar, !key.isNull, !name.isEmpty else {
                diagnostics.error(.wrongType, "an input name must be a word, found \(key.kindName)", at: key.start)
                continue
            }
            if !seen.insert(name).inserted {
                diagnostics.error(.duplicateLayer, "duplicate input name '\(name)'", at: key.start)
                continue
            }
            var input = readInput(value, at: value.start, context: "input '\(name)'")
            input.name = name
            input.location = key.start
            out.append(input)
        }
        return out.isEmpty ? [InputSpec(channels: Located(3, at: loc))] : out
    }

    /// `output:` or `outputs:` (a non-empty list of layer names, no repeats).
    func readOutputs(_ r: MappingReader) -> [Located<String>] {
        if r.has("output"), r.has("outputs") {
            diagnostics.error(.badValue, "the model has both 'output' and 'outputs'; write one", at: r.keyLocation("outputs")!)
        }
        guard let node = r.raw("outputs") else { return r.string("output").map { [$0] } ?? [] }
        guard let items = node.sequence, !items.isEmpty else {
            r.typeError("outputs", "a non-empty list of layer names, the primary output first", node)
            return []
        }
        var out: [Located<String>] = []
        for item in items {
            guard let s = item.scalar, !item.isNull, !s.isEmpty else {
                diagnostics.error(.wrongType, "'outputs' must list layer names, found \(item.kindName)", at: item.start)
                continue
            }
            if out.contains(where: { $0.value == s }) {
                diagnostics.error(.badValue, "'\(s)' is listed twice in 'outputs'", at: item.start)
                continue
            }
            out.append(Located(s, at: item.start))
        }
        return out
    }

    /// `backbone:` (one) or `backbones:` (several streams); exactly one of them.
    func readBackbones(_ r: MappingReader, file: String) -> [BackboneSpec] {
        if r.has("backbone"), r.has("backbones") {
            diagnostics.error(.badValue, "the model has both 'backbone' and 'backbones'; write one", at: r.keyLocation("backbones")!)
        }
        if let b = r.raw("backbone") { return readBackboneReference(b, file: file, key: "backbone").map { [$0] } ?? [] }
        guard let list = r.raw("backbones") else { return [] }
        guard let items = list.sequence, !items.isEmpty else {
            r.typeError("backbones", "a list of backbones ({file:, prefix:, input:})", list)
            return []
        }
        return items.compactMap { readBackboneReference($0, file: file, key: "backbones") }
    }

    /// A file name, an inline backbone (a mapping with `layers`), or a reference mapping
    /// `{file:, prefix:, suffix:, input:}`.
    func readBackboneReference(_ b: YAMLNode, file: String, key: String) -> BackboneSpec? {
        if let rel = b.scalar, !b.isNull { return readBackboneFile(rel, at: b) }
        guard let pairs = b.mapping else {
            diagnostics.error(.wrongType, "'\(key)' must be a file name, a mapping with 'file' or a mapping with 'layers', found \(b.kindName)", at: b.start)
            return nil
        }
        guard pairs.contains(where: { $0.key.scalar == "file" }) else { return readBackbone(b, file: file) }
        guard let r = MappingReader(b, context: "'\(key)'", diagnostics: diagnostics) else { return nil }
        let fileName = r.string("file")
        let prefix = r.string("prefix")?.value ?? "", suffix = r.string("suffix")?.value ?? ""
        let input = r.string("input")
        r.finish()
        guard let fileName, var backbone = readBackboneFile(fileName.value, at: r.raw("file")!) else { return nil }
        backbone.input = input
        backbone.prefix = prefix
        backbone.suffix = suffix
        if !prefix.isEmpty || !suffix.isEmpty { backbone.layers = Self.renamed(backbone.layers, prefix: prefix, suffix: suffix) }
        return backbone
    }

    func readBackboneFile(_ rel: String, at node: YAMLNode) -> BackboneSpec? {
        let path = SpecFiles.resolve(rel, relativeTo: node.start.file)   // relative to the file that says it
        guard let root = SpecFiles(diagnostics: diagnostics).readResolved(path, from: node.start) else { return nil }
        return readBackbone(root, file: path)
    }

    /// The layers with `prefix + name + suffix` for every name they define, and every
    /// reference (`from:`, `like:`) to one of those names rewritten the same way.
    static func renamed(_ layers: [LayerSpec], prefix: String, suffix: String) -> [LayerSpec] {
        let own = Set(layers.map(\.name))
        func rename(_ n: String) -> String { own.contains(n) ? prefix + n + suffix : n }
        return layers.map { l in
            var l = l
            l.name = prefix + l.name + suffix
            l.inputs = l.inputs.map { Located(rename($0.value), at: $0.location) }
            if let like = l.word("like") { l.set("like", .word(rename(like.value)), at: like.location) }
            return l
        }
    }
}
