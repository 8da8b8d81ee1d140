// Builds the graph IR from a ModelSpec: backbone layers, then the expanded head, then the
// explicit `graph:` layers, in that order. Applies every default, resolves `from:` / `like:`
// names (a missing `from:` means the previous layer), and orders the nodes topologically.
//
// Reports: duplicate-layer (with a note at the first definition), unknown-layer (with
// "did you mean"), cycle (listing the layers on it), unused-layer warnings for layers
// nothing reads, and bad-value for a fixed bilinear upsampler that could not be diagonal.

import FCNPlan
import FCNSpec

public struct BuildGraphPass {
    public let diagnostics: Diagnostics
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    struct Pending { var spec: LayerSpec; var origin: String; var step: Int?; var previous: String }

    public func run(_ spec: ModelSpec) -> Graph? {
        var pending: [Pending] = []
        let inputNames = spec.inputs.map(\.name)
        var previous = inputNames[0]
        func add(_ layers: [LayerSpec], origin: String, steps: [Int?]? = nil) {
            for (i, l) in layers.enumerated() {
                pending.append(Pending(spec: l, origin: origin, step: steps?[i], previous: previous))
                previous = l.name
            }
        }
        for b in spec.backbones {
            // Each stream starts at its own input (the first input unless it names one).
            previous = b.input?.value ?? inputNames[0]
            add(b.layers, origin: "backbone \(b.name)")
        }
        let backboneEnd = previous
        if let head = spec.head, let classes = spec.classes {
            let generated = ExpandHead(head: head, classes: classes, input: inputNames[0]).layers()
            add(generated.map(\.spec), origin: "head", steps: generated.map(\.step))
        }
        if !spec.graph.isEmpty {
            previous = spec.head == nil ? backboneEnd : previous
            add(spec.graph, origin: "graph")
        }

        // Names: unique, and not an input's.
        var firstByName: [String: Int] = [:]
        for (i, p) in pending.enumerated() {
            let name = p.spec.name
            if let k = inputNames.firstIndex(of: name) {
                diagnostics.error(.duplicateLayer, "'\(name)' is a network input; choose another layer name", at: p.spec.location,
                                  notes: spec.inputs[k].location.map { [.init("input '\(name)' is declared here", at: $0)] } ?? [])
            } else if let j = firstByName[name] {
                diagnostics.error(.duplicateLayer, "duplicate layer name '\(name)'", at: p.spec.location,
                                  notes: [.init("'\(name)' first defined here", at: pending[j].spec.location)])
            } else {
                firstByName[name] = i
            }
        }
        for b in spec.backbones {
            if let i = b.input, !inputNames.contains(i.value) {
                let hint = NearNames.layer(i.value, in: inputNames)
                diagnostics.error(.unknownLayer, "backbone '\(b.name)' reads unknown input '\(i.value)'" + (hint.map { "; did you mean '\($0)'?" } ?? ""),
                                  at: i.location, fix: hint.map { "write '\($0)'" })
            }
        }
        let allNames = inputNames + pending.map(\.spec.name)
        // Caffe's in-place layers: a relu or dropout written right after a layer (reading it
        // implicitly or by name) rewrites that layer's output, so a reference to `fc7` means
        // fc7 after relu7 and drop7, as in the reference nets.
        var inplaceNext: [Int: Int] = [:]
        for k in pending.indices.dropFirst() where [OpKind.relu.rawValue, OpKind.dropout.rawValue].contains(pending[k].spec.kind) {
            let p = pending[k], prev = pending[k - 1]
            if p.origin == prev.origin, p.spec.inputs.isEmpty || p.spec.inputs.map(\.value) == [prev.spec.name] {
                inplaceNext[k - 1] = k
            }
        }
        /// `layer` is the reading layer's name, or "" for the model's `output(s):`.
        func resolve(_ ref: Located<String>, for layer: String) -> Int? {
            if let k = inputNames.firstIndex(of: ref.value) { return -1 - k }
            if var j = firstByName[ref.value] {
                while let k = inplaceNext[j], pending[k].spec.name != layer { j = k }
                return j
            }
            let hint = NearNames.layer(ref.value, in: allNames)
            let subject = layer.isEmpty ? "the model's output names" : "layer '\(layer)' reads"
            diagnostics.error(.unknownLayer, "\(subject) unknown layer '\(ref.value)'" + (hint.map { "; did you mean '\($0)'?" } ?? ""),
                              at: ref.location, fix: hint.map { "write '\($0)'" })
            return nil
        }
        // Edges in pending-index space (-1 - k = input k).
        var inputs: [[Int]] = [], likes: [Int?] = []
        for p in pending {
            let refs = p.spec.inputs.isEmpty ? [Located(p.previous, at: p.spec.location)] : p.spec.inputs
            inputs.append(refs.compactMap { resolve($0, for: p.spec.name) })
            likes.append(p.spec.word("like").flatMap { resolve($0, for: p.spec.name) })
        }
        if diagnostics.hasErrors { return nil }
        guard let order = topologicalOrder(pending, inputs, likes) else { return nil }

        var newID: [Int: NodeID] = [:]
        var nodes: [Node] = []
        for (k, input) in spec.inputs.enumerated() {
            newID[-1 - k] = k
            var params = Params()
            params.out = input.channels.value
            nodes.append(Node(name: input.name, op: .input, inputs: [], params: params,
                              location: input.location ?? spec.location, origin: "input"))
        }
        for (k, i) in order.enumerated() { newID[i] = k + spec.inputs.count }
        for i in order {
            let p = pending[i]
            // The reader accepted only the catalog's kinds, which are OpKind's.
            guard let op = OpKind(rawValue: p.spec.kind) else { return nil }
            var node = Node(name: p.spec.name, op: op, inputs: inputs[i].map { newID[$0]! },
                            params: op.definition.params(p.spec), location: p.spec.location,
                            keyLocations: keyLocations(p.spec), origin: p.origin)
            node.like = likes[i].map { newID[$0]! }
            node.headStep = p.step
            nodes.append(node)
        }
        guard nodes.count > spec.inputs.count else { return nil }
        var outputs = [nodes.count - 1]
        if !spec.outputs.isEmpty {
            outputs = []
            for o in spec.outputs {
                guard let r = resolve(o, for: "") else { continue }
                if r < 0 {
                    diagnostics.error(.badValue, "'\(o.value)' is a network input; an output must be a layer", at: o.location)
                } else {
                    outputs.append(newID[r]!)
                }
            }
            if outputs.count != spec.outputs.count { return nil }
        } else if spec.head != nil, spec.graph.isEmpty, let score = nodes.firstIndex(where: { $0.name == "score" && $0.origin == "head" }) {
            outputs = [score]
        }
        let graph = Graph(name: spec.name, nodes: nodes, outputs: outputs, classes: spec.classes?.value)
        warnUnused(graph)
        return graph
    }

    /// Kahn's algorithm, stable (spec order wins among ready layers): a min-heap of ready
    /// layers keeps it O((layers + edges) log layers). nil on a cycle.
    func topologicalOrder(_ pending: [Pending], _ inputs: [[Int]], _ likes: [Int?]) -> [Int]? {
        let n = pending.count
        let deps = (0..<n).map { i in Array(Set(inputs[i] + (likes[i].map { [$0] } ?? [])).filter { $0 >= 0 }) }
        var waiting = deps.map(\.count)
        var dependents = [[Int]](repeating: [], count: n)
        for (i, d) in deps.enumerated() { for j in d { dependents[j].append(i) } }
        var ready = MinHeap((0..<n).filter { waiting[$0] == 0 })
        var order: [Int] = []
        order.reserveCapacity(n)
        while let next = ready.pop() {
            order.append(next)
            for k in dependents[next] {
                waiting[k] -= 1
                if waiting[k] == 0 { ready.push(k) }
            }
        }
        if order.count == n { return order }

        // Follow unfinished dependencies until a layer repeats: that loop is the cycle
        // (other stuck layers only depend on it).
        var done = [Bool](repeating: false, count: n)
        for i in order { done[i] = true }
        var onPath = [Int: Int]()
        var path = [(0..<n).first { !done[$0] }!]
        onPath[path[0]] = 0
        while let next = deps[path.last!].filter({ !done[$0] }).min() {
            if let start = onPath[next] { path = Array(path[start...]); break }
            onPath[next] = path.count
            path.append(next)
        }
        // Show it in data-flow order (each layer feeds the next), starting at the first in the spec.
        path.reverse()
        let first = path.firstIndex(of: path.min()!)!
        path = Array(path[first...] + path[..<first])
        let names = path.map { pending[$0].spec.name }
        diagnostics.error(.cycle, "layers form a cycle: " + (names + [names[0]]).joined(separator: " -> "),
                          at: pending[path[0]].spec.location,
                          notes: path.dropFirst().map { .init("'\(pending[$0].spec.name)' is on the cycle", at: pending[$0].spec.location) })
        return nil
    }

    func keyLocations(_ l: LayerSpec) -> [String: SourceLocation] {
        var k = l.attributes.mapValues(\.location)
        k["from"] = l.inputs.first?.location
        return k
    }

    /// One warning per dead region: a set of dead layers (off every path to the output)
    /// connected through their inputs and `like:` references. The warning is at the region's
    /// first root (a dead layer whose own inputs are all live), names every root and counts
    /// the dead layers that follow from them; notes point at the other roots.
    func warnUnused(_ g: Graph) {
        let live = Liveness.live(outputs: g.outputs, reads: { reads(g[$0]) })
        let consumers = g.consumers()
        var seen = Set<NodeID>()
        for i in g.inputs where !live.contains(i) {
            diagnostics.warning(.unusedLayer, "input '\(g[i].name)' is on no path to the outputs: no layer that is computed reads it", at: g[i].location)
        }
        for i in g.nodes.indices where !live.contains(i) && !seen.contains(i) && g[i].op != .input {
            // Nodes are in topological order, so the region's first node is a root.
            var region: [NodeID] = [], todo = [i]
            seen.insert(i)
            while let d = todo.popLast() {
                region.append(d)
                for m in reads(g[d]) + consumers[d] where !live.contains(m) && g[m].op != .input && seen.insert(m).inserted { todo.append(m) }
            }
            let roots = region.sorted().filter { reads(g[$0]).allSatisfy(live.contains) }.map { g[$0] }
            let more = region.count - roots.count, plural = roots.count + more > 1
            let names = roots.map { "'\($0.name)'" }
            let subject = roots.count == 1 ? "layer \(names[0])"
                : "layers " + names.dropLast().joined(separator: ", ") + " and " + names.last!
            let after = more == 0 ? ""
                : roots.count == 1 ? " and the \(more) layer\(more == 1 ? "" : "s") after it"
                : ", and the \(more) layer\(more == 1 ? "" : "s") after them,"
            diagnostics.warning(.unusedLayer,
                "\(subject)\(after) \(plural ? "are" : "is") on no path to the output\(g.outputs.count > 1 ? "s" : "") (\(g.outputs.map { "'\(g[$0].name)'" }.joined(separator: ", "))): \(plural ? "they" : "it") will not be computed",
                at: roots[0].location,
                notes: roots.dropFirst().map { .init("'\($0.name)' is on no path to the output either", at: $0.location) })
        }
    }

    /// The layers `n` reads: its inputs and its `like:` reference.
    private func reads(_ n: Node) -> [NodeID] { n.inputs + (n.like.map { [$0] } ?? []) }
}
