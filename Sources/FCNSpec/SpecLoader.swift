// Turns a model file (and the backbone it names) into a ModelSpec.
//
// Model file keys: name, extends, input | inputs, classes, backbone | backbones, head, blocks,
// graph, output | outputs (SpecInputsOutputs.swift reads the input, output and backbone keys).
// Backbone file keys: name, defaults, blocks, layers. Docs/SpecLanguage.md documents every key.
// Block instances are expanded as layer lists are read (BlockLoading.swift).
// All problems are collected in `diagnostics`; `load` returns nil if any is an error.

public struct SpecLoader {
    public let diagnostics: Diagnostics
    /// The layer kinds a spec may use (the compiler's op registry).
    public let catalog: LayerCatalog

    public init(diagnostics: Diagnostics, catalog: LayerCatalog) {
        self.diagnostics = diagnostics
        self.catalog = catalog
    }

    public func load(_ path: String) -> ModelSpec? {
        let files = SpecFiles(diagnostics: diagnostics)
        guard let root = files.readResolved(path) else { return nil }
        let spec = readModel(root, file: path)
        return diagnostics.hasErrors ? nil : spec
    }

    public func readModel(_ root: YAMLNode, file: String) -> ModelSpec? {
        guard let r = MappingReader(root, context: "the model", diagnostics: diagnostics) else { return nil }
        r.markSeen("extends")
        let name = r.string("name")?.value ?? Self.stem(file)
        var spec = ModelSpec(name: name, file: file, location: root.start, input: InputSpec(channels: Located(3, at: root.start)))
        spec.inputs = readInputs(r, at: root.start)
        (spec.classes, spec.classNames) = ClassList.read(r, diagnostics: diagnostics)
        spec.backbones = readBackbones(r, file: file)
        if let h = r.raw("head") { spec.head = readHead(h) }
        let layers = LayerReader(diagnostics: diagnostics, context: "the model", catalog: catalog)
        let defaults = layers.readDefaults(r.raw("defaults"))
        let blocks = BlockTableReader(diagnostics: diagnostics).read(r.raw("blocks"))
        if let g = r.raw("graph") { (spec.graph, spec.blockAliases) = layers.readLayers(g, defaults: defaults, blocks: blocks) }
        spec.outputs = readOutputs(r)
        resolveBlockAliases(&spec)
        if spec.head != nil, spec.classes == nil, !r.has("classes") {
            _ = r.require("classes", "the number of classes the head scores")
        }
        if spec.backbone == nil, spec.graph.isEmpty, !diagnostics.hasErrors {
            diagnostics.error(.missingKey, "the model needs a 'backbone' or a 'graph'", at: root.start)
        }
        r.finish()
        return spec
    }

    func readInput(_ node: YAMLNode?, at loc: SourceLocation, context: String = "'input'") -> InputSpec {
        var input = InputSpec(channels: Located(3, at: loc))
        guard let node, let r = MappingReader(node, context: context, diagnostics: diagnostics) else { return input }
        if let c = r.int("channels", min: 1) { input.channels = c }
        if let o = r.choice("order", InputSpec.ChannelOrder.self, ["rgb", "bgr"]) { input.order = o.value }
        func perChannel(_ key: String) -> [Double]? {
            guard let m = r.doubles(key) else { return nil }
            if !m.isEmpty, m.count != 1, m.count != input.channels.value {
                diagnostics.error(.badValue, "'\(key)' has \(m.count) values but the input has \(input.channels.value) channels",
                                  at: r.keyLocation(key))
            }
            return m
        }
        if let m = perChannel("mean") { input.mean = m }
        if let s = perChannel("std") {
            if let bad = s.first(where: { $0 <= 0 }) {
                diagnostics.error(.badValue, "'std' in \(context) must be positive, found \(bad)", at: r.keyLocation("std"))
            }
            input.std = s
        }
        if let s = r.double("scale") { input.scale = s.value }
        input.size = r.pair("size", min: 1)
        r.finish()
        return input
    }

    public func readBackbone(_ node: YAMLNode, file: String) -> BackboneSpec? {
        guard let r = MappingReader(node, context: "the backbone", diagnostics: diagnostics) else { return nil }
        r.markSeen("extends")
        let name = r.string("name")?.value ?? Self.stem(file)
        let reader = LayerReader(diagnostics: diagnostics, context: "backbone '\(name)'", catalog: catalog)
        let defaults = reader.readDefaults(r.raw("defaults"))
        let blocks = BlockTableReader(diagnostics: diagnostics).read(r.raw("blocks"))
        var layers: [LayerSpec] = [], aliases: [String: Located<String>] = [:]
        if let l = r.require("layers", "the list of layers") { (layers, aliases) = reader.readLayers(l, defaults: defaults, blocks: blocks) }
        r.finish()
        var backbone = BackboneSpec(name: name, file: file, layers: layers)
        backbone.blockAliases = aliases
        return backbone
    }

    func readHead(_ node: YAMLNode) -> HeadSpec? {
        guard let r = MappingReader(node, context: "'head'", diagnostics: diagnostics) else { return nil }
        let score = r.string("score")
        if score == nil, !r.has("score") { _ = r.require("score", "the layer the score layer reads, e.g. fc7") }
        var defaults = UpsampleDefaults()
        if let u = r.raw("upsample"), let ur = MappingReader(u, context: "head 'upsample'", diagnostics: diagnostics) {
            if let i = ur.word("init", among: upsamplerInitWords) { defaults.initializer = i.value }
            if let l = ur.bool("learn") { defaults.learn = l.value }
            defaults.location = u.start
            ur.finish()
        }
        var steps: [HeadStep] = []
        if let s = r.require("steps", "the upsampling steps, coarse to fine") {
            if let items = s.sequence, !items.isEmpty {
                steps = items.compactMap(readStep)
            } else {
                r.typeError("steps", "a non-empty list", s)
            }
        }
        r.finish()
        guard let score else { return nil }
        return HeadSpec(location: node.start, score: score, upsample: defaults, steps: steps)
    }

    func readStep(_ node: YAMLNode) -> HeadStep? {
        guard let r = MappingReader(node, context: "a head step", diagnostics: diagnostics) else { return nil }
        let up = r.int("upsample", min: 1)
        if up == nil, !r.has("upsample") { _ = r.require("upsample", "the upsampling factor of this step") }
        let skip = r.string("skip"), scale = r.double("scale"), kernel = r.int("kernel", min: 1)
        if let scale, skip == nil {
            diagnostics.error(.badValue, "'scale' multiplies a skip tap before it is scored, but this step has no 'skip'", at: scale.location)
        }
        let initializer = r.word("init", among: upsamplerInitWords), learn = r.bool("learn")
        let step = up.map { up in
            HeadStep(location: node.start, upsample: up, skip: skip, scale: scale, kernel: kernel,
                     initializer: initializer, learn: learn)
        }
        r.finish()
        return step
    }

    static func stem(_ file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        return base.hasSuffix(".yaml") ? String(base.dropLast(5)) : base
    }
}
