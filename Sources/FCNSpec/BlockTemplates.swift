// Block templates: `blocks:` in a backbone or model file defines layer lists with
// parameters, written once and instantiated by `- {block: NAME, name: N, ...}` in a layer
// list (BlockExpansion.swift expands them). This file reads and checks the definitions:
//
//   blocks:
//     bottleneck:
//       params: {width: 64, out: 256, stride: 1, downsample: false}   # every param, its default
//       layers:
//         - {conv: conv1, out: $width, kernel: 1, bias: false}
//         - {conv: downsample.0, from: $in, out: $out, kernel: 1, stride: $stride, when: downsample}
//
// A param whose default is null (`width: ~`) has none: every instance must give it. An
// unquoted scalar `$NAME` in a template layer is a reference to param NAME (`$in` is the
// instance's input); `when: NAME` keeps a layer only when the boolean param is true. Both are
// checked here, once per definition, so a typo is one error and not one per instance.

public struct BlockTemplate: Sendable {
    public struct Param: Sendable {
        public var name: String
        /// nil when the param has no default.
        public var defaultValue: YAMLNode?
        public var location: SourceLocation
    }

    public var name: String
    /// The block's key under `blocks:`.
    public var location: SourceLocation
    public var params: [Param]
    public var layers: [YAMLNode]
    /// False when the definition had errors: its instances are not expanded (no cascade).
    public var isValid: Bool

    public func param(_ name: String) -> Param? { params.first { $0.name == name } }
    public var paramNames: [String] { params.map(\.name) }
}

/// The blocks one file defines, by name.
public struct BlockTable: Sendable {
    public var templates: [String: BlockTemplate] = [:]
    public init() {}
    public var names: [String] { templates.keys.sorted() }
    public subscript(name: String) -> BlockTemplate? { templates[name] }
}

enum BlockSyntax {
    /// Keys of an instance that are not params.
    static let instanceKeys = ["block", "name", "repeat", "first", "from"]
    /// The reserved `$` name: the instance's input.
    static let input = "in"

    /// The param an unquoted scalar refers to (`$width` -> `width`), if it is a reference.
    static func reference(_ node: YAMLNode) -> String? {
        guard case .scalar(let s, let quoted) = node.value, !quoted, s.hasPrefix("$") else { return nil }
        return String(s.dropFirst())
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }

    /// true / false as MappingReader reads them; nil for anything else.
    static func boolean(_ node: YAMLNode) -> Bool? {
        guard case .scalar(let s, _) = node.value else { return nil }
        switch s {
        case "true", "True", "yes": return true
        case "false", "False", "no": return false
        default: return nil
        }
    }
}

struct BlockTableReader {
    let diagnostics: Diagnostics

    func read(_ node: YAMLNode?) -> BlockTable {
        var table = BlockTable()
        guard let node else { return table }
        guard let pairs = node.mapping else {
            diagnostics.error(.wrongType, "'blocks' must be a mapping from block names to {params, layers}, found \(node.kindName)", at: node.start)
            return table
        }
        for (key, value) in pairs {
            guard let name = key.scalar, !key.isNull, !name.isEmpty else {
                diagnostics.error(.wrongType, "a block name must be a word, found \(key.kindName)", at: key.start)
                continue
            }
            if let block = readBlock(name, at: key.start, value) { table.templates[name] = block }
        }
        return table
    }

    func readBlock(_ name: String, at location: SourceLocation, _ node: YAMLNode) -> BlockTemplate? {
        guard let r = MappingReader(node, context: "block '\(name)'", diagnostics: diagnostics) else { return nil }
        let before = diagnostics.errors.count
        var params: [BlockTemplate.Param] = []
        if let p = r.raw("params") {
            if let pairs = p.mapping {
                for (k, v) in pairs { if let param = readParam(k, v, block: name) { params.append(param) } }
            } else if !p.isNull {
                r.typeError("params", "a mapping from param names to their defaults", p)
            }
        }
        var layers: [YAMLNode] = []
        if let l = r.require("layers", "the block's layers") {
            if let items = l.sequence, !items.isEmpty { layers = items } else { r.typeError("layers", "a non-empty list of layers", l) }
        }
        r.finish()
        var block = BlockTemplate(name: name, location: location, params: params, layers: layers, isValid: true)
        for layer in layers { checkReferences(layer, in: block) }
        block.isValid = diagnostics.errors.count == before
        return block
    }

    func readParam(_ key: YAMLNode, _ value: YAMLNode, block: String) -> BlockTemplate.Param? {
        guard let name = key.scalar, BlockSyntax.isIdentifier(name) else {
            diagnostics.error(.badValue, "a param name of block '\(block)' must be a word of letters, digits and '_', found \(key.kindName)", at: key.start)
            return nil
        }
        if BlockSyntax.instanceKeys.contains(name) || name == BlockSyntax.input {
            diagnostics.error(.badValue, "'\(name)' cannot be a param of block '\(block)': instances use it for something else ('$in' is the instance's input; block, name, repeat, first and from are instance keys)",
                              at: key.start)
            return nil
        }
        return BlockTemplate.Param(name: name, defaultValue: value.isNull ? nil : value, location: key.start)
    }

    /// Every `$NAME` in a template layer names a param (or `in`), and every `when:` a param.
    func checkReferences(_ layer: YAMLNode, in block: BlockTemplate) {
        let names = block.paramNames
        func unknown(_ name: String, at node: YAMLNode, what: String) {
            let hint = Suggest.closest(name, in: names + [BlockSyntax.input])
            diagnostics.error(.unknownParamReference, "\(what) in block '\(block.name)' names no param; its params are "
                              + (names.isEmpty ? "none" : names.joined(separator: ", ")) + " (and $in, the instance's input)"
                              + (hint.map { "; did you mean '\($0)'?" } ?? ""),
                              at: node.start, fix: hint.map { "write '\(what.hasPrefix("'$") ? "$" : "")\($0)'" })
        }
        func walk(_ node: YAMLNode) {
            switch node.value {
            case .scalar:
                if let ref = BlockSyntax.reference(node), ref != BlockSyntax.input, block.param(ref) == nil {
                    unknown(ref, at: node, what: "'$\(ref)'")
                }
            case .sequence(let items): items.forEach(walk)
            case .mapping(let pairs): pairs.forEach { walk($0.value) }
            }
        }
        // Only the layer's own `when:` is a condition; deeper mappings are values.
        guard let pairs = layer.mapping else { return }
        for (k, v) in pairs {
            if k.scalar == "when" {
                guard let p = whenParam(v) else {
                    diagnostics.error(.wrongType, "'when' must name a boolean param of block '\(block.name)', found \(v.kindName)", at: v.start)
                    continue
                }
                if block.param(p) == nil { unknown(p, at: v, what: "'when: \(p)'") }
            } else {
                walk(v)
            }
        }
    }

    /// The param `when:` names: `when: downsample` or `when: $downsample`.
    func whenParam(_ node: YAMLNode) -> String? {
        guard let s = node.scalar, !node.isNull, !s.isEmpty else { return nil }
        return s.hasPrefix("$") ? String(s.dropFirst()) : s
    }
}
