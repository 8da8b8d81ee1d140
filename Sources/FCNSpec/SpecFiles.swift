// Reading spec files from disk: text, composition, and `extends:` inheritance.
//
// `extends: base.yaml` (relative to the file that says it) deep-merges the file over its
// base: mappings merge key by key, anything else (lists, scalars) replaces. Every merged
// value keeps the location of the file it came from, so errors in inherited values point
// at the base file. Chains are followed; a cycle is an error, and so is a chain deeper
// than `maxExtendsDepth` (each level costs a stack frame and a merge).
//
// Only regular files are read (a FIFO named as a spec would block forever), and at most
// `maxFileBytes` of them: the work per spec is bounded.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct SpecFiles {
    public let diagnostics: Diagnostics
    /// Paths are shown as given (relative stays relative) so output is reproducible.
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    /// Longest `extends:` chain followed (the shipped models use 2).
    public static let maxExtendsDepth = 64
    /// Largest spec file read (the shipped models are a few kB).
    public static let maxFileBytes = 16 << 20

    public func read(_ path: String, from: SourceLocation? = nil) -> YAMLNode? {
        let data: [UInt8]
        switch Self.readRegularFile(path, limit: Self.maxFileBytes) {
        case .success(let d): data = d
        case .failure(.notFound(let reason)):
            // A missing file may be a typo of a neighbour; anything else says what it is.
            let near = reason == nil ? NearNames.file(path) : nil
            diagnostics.error(.fileNotFound, "cannot read spec file '\(path)'" + (reason.map { ": \($0)" } ?? NearNames.hint(near)), at: from,
                              fix: near.map { "write '\(($0 as NSString).lastPathComponent)'" })
            return nil
        case .failure(.tooLarge(let size)):
            diagnostics.error(.specTooLarge, "spec file '\(path)' is \(size) bytes, more than the limit of \(Self.maxFileBytes)", at: from)
            return nil
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            diagnostics.error(.yamlSyntax, "'\(path)' is not UTF-8 text", at: from)
            return nil
        }
        return YAMLComposer(file: path, diagnostics: diagnostics).compose(text)
    }

    enum ReadFailure: Error { case notFound(String?), tooLarge(Int) }

    /// The bytes of the regular file at `path` (opened without blocking, refused if it is a
    /// directory, FIFO or device, or larger than `limit`).
    static func readRegularFile(_ path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { return .failure(.notFound(errno == ENOENT ? nil : String(cString: strerror(errno)))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.notFound(String(cString: strerror(errno)))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            return .failure(.notFound((st.st_mode & S_IFMT) == S_IFDIR ? "it is a directory" : "not a regular file"))
        }
        let size = Int(st.st_size)
        guard size <= limit else { return .failure(.tooLarge(size)) }
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .failure(.notFound(String(cString: strerror(errno)))) }
            if n == 0 { break }  // shrank while reading: parse what is there
            done += n
        }
        return .success(Array(out.prefix(done)))
    }

    /// Reads `path` and resolves its `extends:` chain.
    public func readResolved(_ path: String, from: SourceLocation? = nil, chain: [String] = []) -> YAMLNode? {
        guard let node = read(path, from: from) else { return nil }
        guard let ext = node["extends"] else { return node }
        if chain.count + 1 >= Self.maxExtendsDepth {
            diagnostics.error(.extendsTooDeep, "'extends' chain is deeper than \(Self.maxExtendsDepth) files", at: ext.start)
            return nil
        }
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
