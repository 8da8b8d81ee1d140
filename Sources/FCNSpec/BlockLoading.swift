// Names that stand for layers across files. A backbone's block instances and dropped layers
// are aliases (`layer3` is the output of `layer3.5.relu`); references inside the backbone
// were resolved when it was expanded, and this resolves the model's references to them (its
// `graph:` layers, the head's `score:` and `skip:`, `outputs:`), so the compiler sees only
// plain layer names.

extension SpecLoader {
    func resolveBlockAliases(_ spec: inout ModelSpec) {
        var aliases: [String: Located<String>] = [:]
        for b in spec.backbones {
            // A backbone's names carry its prefix and suffix (`backbone.layer3`), already
            // applied to its layers; its aliases get them here.
            let own = Set(b.layers.map(\.name))
            for (name, target) in b.blockAliases {
                let renamed = b.prefix + target.value + b.suffix
                aliases[b.prefix + name + b.suffix] = Located(own.contains(renamed) ? renamed : target.value, at: target.location)
            }
        }
        aliases.merge(spec.blockAliases) { _, graph in graph }
        guard !aliases.isEmpty else { return }
        for input in spec.inputs {
            if let a = aliases[input.name] {
                diagnostics.error(.duplicateLayer, "'\(input.name)' is a network input; choose another name for the block instance", at: a.location)
                aliases[input.name] = nil
            }
        }
        func resolve(_ ref: Located<String>) -> Located<String> {
            var name = ref.value
            for _ in 0..<8 { guard let a = aliases[name], a.value != name else { break }; name = a.value }
            return Located(name, at: ref.location)
        }
        for i in spec.graph.indices {
            spec.graph[i].inputs = spec.graph[i].inputs.map(resolve)
            let schema = catalog.schema(spec.graph[i].kind)
            for (key, value) in spec.graph[i].attributes {
                guard case .layerName? = schema?.key(key)?.type, case .word(let w) = value.value else { continue }
                spec.graph[i].set(key, .word(resolve(Located(w, at: value.location)).value), at: value.location)
            }
        }
        if var head = spec.head {
            head.score = resolve(head.score)
            for j in head.steps.indices { head.steps[j].skip = head.steps[j].skip.map(resolve) }
            spec.head = head
        }
        spec.outputs = spec.outputs.map(resolve)
    }
}
