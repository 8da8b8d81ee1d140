// One `- {block: B, name: N, repeat: K, PARAM: v, first: {...}, from: L}` item: checked once
// (unknown block or param, missing param, bad repeat, recursion, size), then expanded
// instance by instance into the flat list (see BlockExpansion.swift).

extension BlockExpander {
    struct Instance {
        var name: String
        var count = 1
        var repeated = false
        var given: [String: YAMLNode] = [:]
        var first: [String: YAMLNode] = [:]
        var input: String?
    }

    func expandInstance(_ item: YAMLNode, _ scope: Scope, _ prev: String?) -> String? {
        let pairs = item.mapping!
        let blockNode = pairs[0].value
        guard let blockName = blockNode.scalar, !blockNode.isNull else {
            diagnostics.error(.wrongType, "the value of 'block' is the name of a block, found \(blockNode.kindName)", at: blockNode.start)
            return prev
        }
        guard let template = blocks[blockName] else {
            let hint = Suggest.closest(blockName, in: blocks.names)
            diagnostics.error(.unknownBlock, "unknown block '\(blockName)'; the blocks defined here are "
                              + (blocks.names.isEmpty ? "none ('blocks:' in this file defines them)" : blocks.names.joined(separator: ", "))
                              + (hint.map { "; did you mean '\($0)'?" } ?? ""), at: blockNode.start, fix: hint.map { "write '\($0)'" })
            return prev
        }
        if scope.stack.contains(blockName) {
            diagnostics.error(.blockRecursion, "block '\(blockName)' instantiates itself: " + (scope.stack + [blockName]).joined(separator: " -> "),
                              at: blockNode.start, notes: [.init("block '\(blockName)' is defined here", at: template.location)])
            return prev
        }
        if scope.stack.count >= Self.maxNesting {
            diagnostics.error(.blockRecursion, "blocks nest more than \(Self.maxNesting) deep here", at: blockNode.start)
            return prev
        }
        guard let instance = readInstance(item, template, scope, prev), template.isValid else { return prev }

        let estimate = instance.count * template.layers.count
        if estimate > Self.maxLayers - outCount {
            stopAtLimit("block instance '\(instance.name)' would generate \(instance.count) x \(template.layers.count) layers; a spec may generate at most \(Self.maxLayers)",
                        at: item["repeat"]?.start ?? item.start)
            return prev
        }
        var input = instance.input, output = input
        for i in 0..<instance.count where !isStopped {
            let label = instance.repeated ? "\(instance.name).\(i)" : instance.name
            var values: [String: YAMLNode] = [:]
            for p in template.params { values[p.name] = instance.given[p.name] ?? p.defaultValue }
            if i == 0 { values.merge(instance.first) { _, f in f } }
            var inner = Scope(params: values, input: input, instance: label, prefix: label + ".")
            inner.chain = [InstanceSite(instance: label, block: blockName, at: item.start)] + scope.chain
            inner.stack = scope.stack + [blockName]
            inner.local = localNames(template, inner)
            output = expandList(template.layers, inner, previous: input)
            if instance.repeated, let output { addAlias(label, output, at: item.start) }
            input = output
        }
        if let output { addAlias(instance.name, output, at: pairs.first { $0.key.scalar == "name" }?.value.start ?? item.start) }
        return output
    }

    /// The instance's keys, checked; nil after an error that stops its expansion.
    func readInstance(_ item: YAMLNode, _ template: BlockTemplate, _ scope: Scope, _ prev: String?) -> Instance? {
        var instance = Instance(name: "", input: prev)
        var ok = true, named = false
        func param(_ k: YAMLNode, _ v: YAMLNode, in what: String) -> Bool {
            guard let key = k.scalar, template.param(key) != nil else {
                let key = k.scalar ?? ""
                let hint = Suggest.closest(key, in: template.paramNames + (what.isEmpty ? BlockSyntax.instanceKeys : []))
                diagnostics.error(.unknownBlockParam, "block '\(template.name)' has no param '\(key)'\(what); its params are "
                                  + (template.params.isEmpty ? "none" : template.paramNames.joined(separator: ", "))
                                  + (hint.map { "; did you mean '\($0)'?" } ?? ""), at: k.start, fix: hint.map { "write '\($0)'" })
                return false
            }
            return true
        }
        for (k, v) in item.mapping!.dropFirst() {
            switch k.scalar ?? "" {
            case "name":
                let n = newName(v, scope)
                if n.scalar == "input" {
                    diagnostics.error(.duplicateLayer, "'input' is the network input; choose another name for the block instance", at: v.start)
                    ok = false
                } else if let s = n.scalar, !n.isNull, !s.isEmpty { instance.name = s; named = true } else {
                    diagnostics.error(.wrongType, "'name' of a block instance is the prefix of its layer names, found \(v.kindName)", at: v.start)
                    ok = false
                }
            case "repeat":
                let r = substituted(v, scope)
                if let s = r.scalar, let n = Int(s), n >= 1, n <= MappingReader.maxInteger {
                    instance.count = n
                    instance.repeated = true
                } else {
                    diagnostics.error(.badRepeat, "'repeat' is how many instances to make, a whole number from 1 to \(MappingReader.maxInteger); found \(r.kindName)",
                                      at: v.start)
                    ok = false
                }
            case "first":
                guard let overrides = v.mapping else {
                    diagnostics.error(.wrongType, "'first' holds the params of the first instance, a mapping; found \(v.kindName)", at: v.start)
                    ok = false
                    continue
                }
                for (fk, fv) in overrides {
                    if param(fk, fv, in: " (in 'first')") { instance.first[fk.scalar!] = substituted(fv, scope) } else { ok = false }
                }
            case "from":
                let r = references(v, scope)
                if let s = r.scalar, !r.isNull, !s.isEmpty { instance.input = s } else {
                    diagnostics.error(.wrongType, "'from' of a block instance names the one layer its first instance reads, found \(v.kindName)", at: v.start)
                    ok = false
                }
            default:
                if param(k, v, in: "") { instance.given[k.scalar!] = substituted(v, scope) } else { ok = false }
            }
        }
        if !named, ok, item["name"] == nil {
            diagnostics.error(.missingKey, "an instance of block '\(template.name)' needs 'name' (the prefix of its layer names)", at: item.start)
            return nil
        }
        for p in template.params where p.defaultValue == nil && instance.given[p.name] == nil {
            if instance.first[p.name] != nil, instance.count == 1 { continue }
            diagnostics.error(.missingKey, "instance '\(instance.name)' of block '\(template.name)' needs param '\(p.name)' (it has no default)"
                              + (instance.first[p.name] != nil ? "; 'first' gives it for the first instance only" : ""),
                              at: item.start, notes: [.init("'\(p.name)' is declared here", at: p.location)], fix: "write '\(p.name): VALUE' on the instance")
            ok = false
        }
        return ok ? instance : nil
    }

    /// The names a template's layers define, in this instance (layers, added layers, instances).
    func localNames(_ template: BlockTemplate, _ scope: Scope) -> Set<String> {
        var names: Set<String> = []
        let quiet = Scope(params: scope.params, input: scope.input ?? "")   // no renaming, no errors for $in
        func add(_ node: YAMLNode?) {
            if let node, let s = substituted(node, quiet).scalar { names.insert(s) }
        }
        for layer in template.layers {
            guard let pairs = layer.mapping, let kind = pairs.first?.key.scalar else { continue }
            if kind == "block" { add(layer["name"]); continue }
            add(pairs[0].value)
            let schema = catalog.schema(kind)
            for p in pairs.dropFirst() where LayerKeyRole(p.key.scalar ?? "", in: schema) == .addsLayer { add(p.value) }
        }
        return names
    }
}
