// Expands the block instances of one layer list into plain layers, on YAML nodes, before the
// LayerReader reads them (so every check a written layer gets, a generated one gets too).
//
// - `- {block: B, name: N, repeat: K, PARAM: v, first: {PARAM: v}, from: L}` makes K instances
//   (one without `repeat`). Instance i's layers are `N.i.LAYER` (`N.LAYER` without `repeat`).
//   A param's value is the instance's `first:` value (instance 0 only), else the instance's
//   key, else the block's default.
// - In a template layer, `$PARAM` is replaced by the param's value and `$in` by the instance's
//   input (the previous layer, `from:`, or the previous instance's output). References to the
//   template's own layer names are renamed to the instance's; other names are global.
// - `when: PARAM` keeps a layer only when the param is true. A dropped layer is an alias of
//   what it reads, and `N` (and `N.i`) are aliases of the (instance's) last layer. References
//   in the list are rewritten through the aliases here; the aliases are also returned, for
//   references from other files (a model's head reading `layer3` of its backbone).
// - A layer reading "the previous layer" gets an explicit `from:` when the previous layer in
//   the flat list is not what it should read (after a dropped layer, after `from:` on an
//   instance).
// - Every generated node's location is the template's, marked with the instances that made it
//   (SourceLocation.instantiation): diagnostics about it say which instance.
// Bounded: at most `maxLayers` layers and `maxNodes` YAML nodes generated per list,
// `maxVisited` template layers visited (dropped ones too), blocks nested at most `maxNesting`
// deep; a block that instantiates itself is refused.

public struct ExpandedLayers: Sendable {
    /// Plain layer mappings, in order.
    public var nodes: [YAMLNode]
    /// Names that stand for a layer: block instances and layers dropped by `when:`.
    public var aliases: [String: Located<String>]
}

final class BlockExpander {
    static let maxLayers = 100_000
    static let maxNodes = 2_000_000
    static let maxNesting = 32
    /// Template layers visited, dropped ones included (so all-dropped instances are bounded too).
    static let maxVisited = 200_000

    let diagnostics: Diagnostics
    let catalog: LayerCatalog
    let blocks: BlockTable

    private var out: [YAMLNode] = []
    private var emitted: [String: SourceLocation] = [:]
    private var aliases: [String: Located<String>] = [:]
    private var nodeCount = 0
    private var stopped = false
    private var visited = 0
    /// The output of the last layer in the flat list (what "the previous layer" means there).
    private var flatLast: String?
    private var reported: Set<String> = []

    init(diagnostics: Diagnostics, catalog: LayerCatalog, blocks: BlockTable) {
        self.diagnostics = diagnostics
        self.catalog = catalog
        self.blocks = blocks
    }

    struct Scope {
        /// nil outside a template.
        var params: [String: YAMLNode]?
        var input: String?
        var instance = ""
        var prefix = ""
        /// The template's own layer and instance names (renamed with `prefix`).
        var local: Set<String> = []
        var chain: [InstanceSite] = []
        var stack: [String] = []
    }

    func expand(_ items: [YAMLNode]) -> ExpandedLayers {
        // A list without instances is read exactly as written.
        guard items.contains(where: { $0.mapping?.first?.key.scalar == "block" }) else {
            return ExpandedLayers(nodes: items, aliases: [:])
        }
        _ = expandList(items, Scope(), previous: nil)
        for (name, a) in aliases.sorted(by: { $0.key < $1.key }) {
            if let layer = emitted[name] {
                diagnostics.error(.duplicateLayer, "'\(name)' names both a layer and a block instance (or a layer dropped by 'when:')",
                                  at: a.location, notes: [.init("the layer '\(name)' is defined here", at: layer)])
            }
        }
        let final = finalTargets()
        let nodes = aliases.isEmpty ? out : out.map { catalog.mapReferences($0) { final[$0] ?? $0 } }
        var resolved: [String: Located<String>] = [:]
        for (name, a) in aliases { resolved[name] = Located(final[name] ?? a.value, at: a.location) }
        return ExpandedLayers(nodes: nodes, aliases: resolved)
    }

    /// Every alias followed to its end, each chain walked once (a chain of forward
    /// references costs its length once, not once per reference).
    func finalTargets() -> [String: String] {
        var final: [String: String] = [:]
        for start in aliases.keys where final[start] == nil {
            var path: [String] = [], n = start
            while final[n] == nil, let a = aliases[n], a.value != n, path.count < 1000 {
                path.append(n)
                n = a.value
            }
            let end = final[n] ?? n
            for p in path { final[p] = end }
        }
        return final
    }

    /// Follows aliases to a layer (a chain is short; a loop of dropped layers stops).
    func resolve(_ name: String) -> String {
        var n = name
        for _ in 0..<1000 { guard let a = aliases[n], a.value != n else { break }; n = a.value }
        return n
    }

    func expandList(_ items: [YAMLNode], _ scope: Scope, previous: String?) -> String? {
        var prev = previous
        for item in items where !stopped { prev = expandItem(item, scope, prev) }
        return prev
    }

    func expandItem(_ raw: YAMLNode, _ scope: Scope, _ prev: String?) -> String? {
        var item = scope.chain.isEmpty ? raw : raw.instantiated(scope.chain)
        visited += 1
        if visited > Self.maxVisited {
            stopAtLimit("the blocks of this list expand to more than \(Self.maxVisited) layers (counting those dropped by 'when:'), the limit", at: item.start)
            return prev
        }
        guard var pairs = item.mapping, let first = pairs.first else { emit(item, names: []); flatLast = nil; return prev }
        // `when:` after the layer's kind (a mapping starting with it is no layer: the reader says so).
        if let i = pairs.indices.dropFirst().first(where: { pairs[$0].key.scalar == "when" }) {
            let condition = pairs.remove(at: i).value
            item.value = .mapping(pairs)
            guard evaluate(condition, scope) else { return drop(item, scope, prev) }
        }
        if first.key.scalar == "block" { return expandInstance(item, scope, prev) }
        return emitLayer(item, scope, prev)
    }

    // MARK: plain layers

    func emitLayer(_ item: YAMLNode, _ scope: Scope, _ prev: String?) -> String? {
        let pairs = item.mapping!
        let schema = pairs[0].key.scalar.flatMap(catalog.schema)
        var mapped: [(key: YAMLNode, value: YAMLNode)] = []
        var names: [String] = [], hasFrom = false
        for (i, p) in pairs.enumerated() {
            let key = p.key.scalar ?? ""
            if i == 0 {
                mapped.append((p.key, newName(p.value, scope)))
                if let n = mapped[0].value.scalar { names.append(n) }
                continue
            }
            switch LayerKeyRole(key, in: schema) {
            case .reference:
                hasFrom = hasFrom || key == "from"
                mapped.append((p.key, references(p.value, scope)))
            case .addsLayer:
                let n = newName(p.value, scope)
                if let s = n.scalar { names.append(s) }
                mapped.append((p.key, n))
            case .value:
                mapped.append((p.key, substituted(p.value, scope)))
            }
        }
        // Reads the previous layer: say which, when the flat list's previous is not it.
        if !hasFrom, schema?.inputs == .one, let prev, resolve(prev) != flatLast {
            let at = pairs[0].value.start
            mapped.insert((YAMLNode.word("from", at: at), YAMLNode.word(prev, at: at)), at: 1)
        }
        emit(YAMLNode(.mapping(mapped), start: item.start, end: item.end), names: names)
        flatLast = names.last
        return names.last ?? prev
    }

    func emit(_ node: YAMLNode, names: [String]) {
        nodeCount += node.nodeCount
        if out.count >= Self.maxLayers || nodeCount > Self.maxNodes {
            stopAtLimit("the blocks of this list generate more than \(Self.maxLayers) layers or \(Self.maxNodes) YAML values, the limit", at: node.start)
            return
        }
        for n in names where emitted[n] == nil { emitted[n] = node.start }
        out.append(node)
    }

    /// A layer dropped by `when:` stands for what it reads.
    func drop(_ item: YAMLNode, _ scope: Scope, _ prev: String?) -> String? {
        let pairs = item.mapping!
        var source = prev
        if let from = item["from"] {
            let refs = references(from, scope)
            if let s = refs.scalar, !refs.isNull {
                source = s
            } else if let items = refs.sequence, items.count == 1, let s = items[0].scalar {
                source = s
            } else {
                diagnostics.error(.badValue, "a layer dropped by 'when:' stands for the layer it reads, but this one reads \(refs.sequence?.count ?? 0) layers",
                                  at: from.start)
                return prev
            }
        }
        var names: [YAMLNode] = []
        if pairs[0].key.scalar == "block" {
            names = item["name"].map { [newName($0, scope)] } ?? []
        } else {
            let schema = pairs[0].key.scalar.flatMap(catalog.schema)
            names = [newName(pairs[0].value, scope)] + pairs.dropFirst().filter { LayerKeyRole($0.key.scalar ?? "", in: schema) == .addsLayer }.map { newName($0.value, scope) }
        }
        if let source {
            for n in names { if let s = n.scalar { addAlias(s, source, at: n.start) } }
        }
        return source
    }

    /// `when: PARAM`: whether to keep the layer (false, after an error, drops it quietly).
    func evaluate(_ condition: YAMLNode, _ scope: Scope) -> Bool {
        let name = condition.scalar.map { $0.hasPrefix("$") ? String($0.dropFirst()) : $0 } ?? ""
        guard let params = scope.params else {
            diagnostics.error(.unknownParamReference, "'when:' keeps a layer of a block template depending on a param, but this layer is in no block",
                              at: condition.start, fix: "remove 'when:'")
            return false
        }
        guard let value = params[name] else { return false }   // reported with the definition
        if let b = BlockSyntax.boolean(value) { return b }
        // One error per place the bad value was written, not one per instance.
        if reported.insert("\(condition.start.written) \(value.start.written)").inserted {
            diagnostics.error(.whenNotBoolean, "'when: \(name)' needs a boolean, but \(name) of instance '\(scope.instance)' is \(value.kindName)",
                              at: condition.start, notes: [.init("the value of '\(name)'", at: value.start)],
                              fix: "give '\(name)' the value true or false")
        }
        return false
    }

    // MARK: names and values

    /// A name this layer defines: `$param` replaced, then renamed into the instance.
    func newName(_ node: YAMLNode, _ scope: Scope) -> YAMLNode {
        let n = substituted(node, scope)
        guard scope.params != nil, let s = n.scalar, !n.isNull else { return n }
        return YAMLNode.word(scope.prefix + s, at: n.start)
    }

    /// Layer references: `$in`/`$param` replaced; the template's own names renamed.
    func references(_ node: YAMLNode, _ scope: Scope) -> YAMLNode {
        switch node.value {
        case .scalar(let s, _):
            if BlockSyntax.reference(node) != nil { return substituted(node, scope) }
            return isLocal(s, scope) ? YAMLNode.word(scope.prefix + s, at: node.start) : node
        case .sequence(let items): return YAMLNode(.sequence(items.map { references($0, scope) }), start: node.start, end: node.end)
        case .mapping: return substituted(node, scope)
        }
    }

    /// Whether `name` is one of the template's layers, or a layer of an instance it makes.
    func isLocal(_ name: String, _ scope: Scope) -> Bool {
        guard scope.params != nil, !scope.local.isEmpty else { return false }
        if scope.local.contains(name) { return true }
        return name.indices.contains { name[$0] == "." && scope.local.contains(String(name[..<$0])) }
    }

    /// `node` with every `$param` replaced by its value (shown at the `$param`).
    func substituted(_ node: YAMLNode, _ scope: Scope) -> YAMLNode {
        switch node.value {
        case .scalar:
            guard let ref = BlockSyntax.reference(node) else { return node }
            guard let params = scope.params else {
                diagnostics.error(.unknownParamReference, ref == BlockSyntax.input ? "'$in' is a block instance's input, but this layer is in no block"
                                  : "'$\(ref)' refers to a block param, but this layer is in no block", at: node.start)
                return node
            }
            if ref == BlockSyntax.input {
                if let input = scope.input { return YAMLNode.word(input, at: node.start) }
                diagnostics.error(.badValue, "'$in' of instance '\(scope.instance)' names no layer: the instance is the first of its list",
                                  at: node.start, fix: "write 'from: LAYER' on the instance")
                return node
            }
            return params[ref]?.relocated(to: node.start) ?? node   // an unknown name was reported with the definition
        case .sequence(let items): return YAMLNode(.sequence(items.map { substituted($0, scope) }), start: node.start, end: node.end)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { ($0.key, substituted($0.value, scope)) }), start: node.start, end: node.end)
        }
    }

    var outCount: Int { out.count }
    var isStopped: Bool { stopped }

    /// Too many layers: one error, and nothing more is generated.
    func stopAtLimit(_ message: String, at location: SourceLocation) {
        stopped = true
        diagnostics.error(.tooManyLayers, message, at: location)
    }

    func addAlias(_ name: String, _ target: String, at location: SourceLocation) {
        if let old = aliases[name] {
            diagnostics.error(.duplicateLayer, "'\(name)' is defined twice (block instances or layers dropped by 'when:')", at: location,
                              notes: [.init("'\(name)' first defined here", at: old.location)])
            return
        }
        aliases[name] = Located(resolve(target), at: location)
    }
}
