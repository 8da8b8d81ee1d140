// Reading spec files from disk: text, composition, and `extends:` inheritance.
//
// `extends: base.yaml` (relative to the file that says it) deep-merges the file over its
// base: mappings merge key by key, anything else (lists, scalars) replaces. Every merged
// value keeps the location of the file it came from, so errors in inherited values point
// at the base file. Chains are followed; a cycle is an error.

import Foundation

public struct SpecFiles {
    public let diagnostics: Diagnostics
    /// Paths are shown as given (relative stays relative) so output is reproducible.
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public func read(_ path: String, from: SourceLocation? = nil) -> YAMLNode? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path) else {
            let near = isDir.boolValue ? nil : NearNames.file(path)
            diagnostics.error(.fileNotFound, "cannot read spec file '\(path)'" + NearNames.hint(near), at: from,
                              fix: near.map { "write '\(($0 as NSString).lastPathComponent)'" })
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.error(.yamlSyntax, "'\(path)' is not UTF-8 text", at: from)
            return nil
        }
        return YAMLComposer(file: path, diagnostics: diagnostics).compose(text)
    }

    /// Reads `path` and resolves its `extends:` chain.
    public func readResolved(_ path: String, from: SourceLocation? = nil, chain: [String] = []) -> YAMLNode? {
        guard let node = read(path, from: from) else { return nil }
        guard let ext = node["extends"] else { return node }
        guard let rel = ext.scalar, !ext.isNull else {
            diagnostics.error(.wrongType, "'extends' must be a file name, found \(ext.kindName)", at: ext.start)
            return nil
        }
        let basePath = Self.resolve(rel, relativeTo: path)
        let canonical = URL(fileURLWithPath: basePath).standardized.path
        if chain.contains(canonical) || canonical == URL(fileURLWithPath: path).standardized.path {
            diagnostics.error(.extendsCycle, "'\(path)' extends itself through '\(rel)'", at: ext.start)
            return nil
        }
        guard let base = readResolved(basePath, from: ext.start, chain: chain + [URL(fileURLWithPath: path).standardized.path]) else {
            return nil
        }
        var merged = Self.merge(base, over: node)
        if case .mapping(let pairs) = merged.value {
            merged.value = .mapping(pairs.filter { $0.key.scalar != "extends" })
        }
        return merged
    }

    /// Deep merge: `top`'s keys win; nested mappings merge.
    public static func merge(_ base: YAMLNode, over top: YAMLNode) -> YAMLNode {
        guard let b = base.mapping, let t = top.mapping else { return top }
        // Key indexes keep the merge linear (a scan of `top` per base key was quadratic).
        var topIndex: [String?: Int] = [:]
        for (i, p) in t.enumerated() where topIndex[p.key.scalar] == nil { topIndex[p.key.scalar] = i }
        let baseKeys = Set(b.map { $0.key.scalar })
        var out: [(key: YAMLNode, value: YAMLNode)] = []
        for (k, v) in b {
            if let i = topIndex[k.scalar] {
                out.append((t[i].key, merge(v, over: t[i].value)))
            } else {
                out.append((k, v))
            }
        }
        for (k, v) in t where !baseKeys.contains(k.scalar) {
            out.append((k, v))
        }
        return YAMLNode(.mapping(out), start: top.start, end: top.end)
    }

    public static func resolve(_ rel: String, relativeTo file: String) -> String {
        if rel.hasPrefix("/") { return rel }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? rel : (dir as NSString).appendingPathComponent(rel)
    }
}
