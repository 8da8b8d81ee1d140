// Typed, located access to one YAML mapping. Every key read is remembered; `finish()`
// reports the keys nobody asked for as unknown, with a "did you mean" when one is close.
// Type errors are collected, never thrown, and the getter returns nil so reading goes on.

public final class MappingReader {
    public let node: YAMLNode
    public let context: String
    private let diagnostics: Diagnostics
    private var seen: Set<String> = []
    private let pairs: [(key: YAMLNode, value: YAMLNode)]
    /// Index of the first pair with each key: lookups are O(1), not a scan per key read.
    private let index: [String: Int]

    /// nil (with a wrong-type error) when `node` is not a mapping.
    public init?(_ node: YAMLNode, context: String, diagnostics: Diagnostics) {
        guard let pairs = node.mapping else {
            diagnostics.error(.wrongType, "\(context) must be a mapping, found \(node.kindName)", at: node.start)
            return nil
        }
        self.node = node
        self.context = context
        self.diagnostics = diagnostics
        self.pairs = pairs
        var index: [String: Int] = [:]
        for (i, p) in pairs.enumerated() { if let k = p.key.scalar, index[k] == nil { index[k] = i } }
        self.index = index
    }

    public var keys: [String] { pairs.compactMap { $0.key.scalar } }

    public func has(_ key: String) -> Bool { index[key] != nil }

    public func keyLocation(_ key: String) -> SourceLocation? {
        index[key].map { pairs[$0].key.start }
    }

    public func raw(_ key: String) -> YAMLNode? {
        seen.insert(key)
        return index[key].map { pairs[$0].value }
    }

    public func markSeen(_ key: String) { seen.insert(key) }

    func typeError(_ key: String, _ expected: String, _ node: YAMLNode) {
        diagnostics.error(.wrongType, "'\(key)' in \(context) must be \(expected), found \(node.kindName)", at: node.start)
    }

    public func require(_ key: String, _ what: String) -> YAMLNode? {
        if let v = raw(key) { return v }
        // A misspelt key ('upsampel' for 'upsample') is one mistake: one error, at the typo,
        // with the fix; not a missing-key error plus an unknown-key error.
        if let typo = pairs.first(where: { p in
            guard let k = p.key.scalar else { return false }
            return !seen.contains(k) && Suggest.closest(k, in: [key]) != nil
        }), let name = typo.key.scalar {
            seen.insert(name)
            diagnostics.error(.unknownKey, "unknown key '\(name)' in \(context); did you mean '\(key)'?",
                              at: typo.key.start, fix: "write '\(key)'")
            return nil
        }
        diagnostics.error(.missingKey, "\(context) needs '\(key)' (\(what))", at: node.start)
        return nil
    }

    /// The largest integer a spec may write: far beyond any real network, and small enough
    /// that the compiler's exact integer arithmetic (kernel extents, sizes, coordinate maps,
    /// parameter counts) cannot overflow and trap.
    public static let maxInteger = 1 << 30

    public func int(_ key: String, min: Int? = nil) -> Located<Int>? {
        guard let v = raw(key) else { return nil }
        guard let s = v.scalar, !v.isNull, let i = Int(s) else { typeError(key, "an integer", v); return nil }
        if let min, i < min {
            diagnostics.error(.badValue, "'\(key)' in \(context) must be at least \(min), found \(i)", at: v.start)
            return nil
        }
        if i > Self.maxInteger {
            diagnostics.error(.badValue, "'\(key)' in \(context) must be at most \(Self.maxInteger), found \(i)", at: v.start)
            return nil
        }
        return Located(i, at: v.start)
    }

    public func double(_ key: String) -> Located<Double>? {
        guard let v = raw(key) else { return nil }
        guard let s = v.scalar, !v.isNull, let d = Double(s), d.isFinite else { typeError(key, "a number", v); return nil }
        return Located(d, at: v.start)
    }

    public func string(_ key: String) -> Located<String>? {
        guard let v = raw(key) else { return nil }
        guard let s = v.scalar, !v.isNull, !s.isEmpty else { typeError(key, "a name", v); return nil }
        return Located(s, at: v.start)
    }

    public func bool(_ key: String) -> Located<Bool>? {
        guard let v = raw(key) else { return nil }
        switch v.scalar {
        case "true", "True", "yes": return Located(true, at: v.start)
        case "false", "False", "no": return Located(false, at: v.start)
        default: typeError(key, "true or false", v); return nil
        }
    }

    public func choice<T: RawRepresentable & Sendable>(_ key: String, _ type: T.Type, _ options: [String]) -> Located<T>? where T.RawValue == String {
        guard let s = string(key) else { return nil }
        if let t = T(rawValue: s.value) { return Located(t, at: s.location) }
        let hint = Suggest.closest(s.value, in: options).map { "; did you mean '\($0)'?" } ?? ""
        diagnostics.error(.badValue, "'\(key)' in \(context) must be one of \(options.joined(separator: ", ")), found '\(s.value)'\(hint)", at: s.location)
        return nil
    }

    /// One of the words in `options`.
    public func word(_ key: String, among options: [String]) -> Located<String>? {
        guard let s = string(key) else { return nil }
        if options.contains(s.value) { return s }
        let hint = Suggest.closest(s.value, in: options).map { "; did you mean '\($0)'?" } ?? ""
        diagnostics.error(.badValue, "'\(key)' in \(context) must be one of \(options.joined(separator: ", ")), found '\(s.value)'\(hint)", at: s.location)
        return nil
    }

    /// An integer for both axes, or `[h, w]`.
    public func pair(_ key: String, min: Int) -> Located<Pair>? {
        guard let v = raw(key) else { return nil }
        var values: [Int] = []
        if let items = v.sequence {
            guard items.count == 2 else { typeError(key, "an integer or [height, width]", v); return nil }
            for item in items {
                guard let s = item.scalar, let i = Int(s) else { typeError(key, "an integer or [height, width]", item); return nil }
                values.append(i)
            }
        } else if let s = v.scalar, !v.isNull, let i = Int(s) {
            values = [i, i]
        } else { typeError(key, "an integer or [height, width]", v); return nil }
        let id: DiagnosticID = (key == "kernel" || key == "stride" || key == "dilation") ? .badKernel : .badValue
        if let bad = values.first(where: { $0 < min }) {
            diagnostics.error(id, "'\(key)' in \(context) must be at least \(min), found \(bad)", at: v.start)
            return nil
        }
        if let bad = values.first(where: { $0 > Self.maxInteger }) {
            diagnostics.error(id, "'\(key)' in \(context) must be at most \(Self.maxInteger), found \(bad)", at: v.start)
            return nil
        }
        return Located(Pair(values[0], values[1]), at: v.start)
    }

    public func doubles(_ key: String) -> [Double]? {
        guard let v = raw(key) else { return nil }
        guard let items = v.sequence else { typeError(key, "a list of numbers", v); return nil }
        var out: [Double] = []
        for item in items {
            guard let s = item.scalar, let d = Double(s), d.isFinite else { typeError(key, "a list of numbers", item); return nil }
            out.append(d)
        }
        return out
    }

    /// Reports every key that was never read.
    public func finish(allowed extra: [String] = []) {
        for (k, _) in pairs {
            guard let name = k.scalar, !seen.contains(name) else { continue }
            let known = Array(seen) + extra
            let hint = Suggest.closest(name, in: known)
            diagnostics.error(.unknownKey, "unknown key '\(name)' in \(context)" + (hint.map { "; did you mean '\($0)'?" } ?? ""),
                              at: k.start, fix: hint.map { "write '\($0)'" })
        }
    }
}

/// "Did you mean": the closest candidate by edit distance, if it is close enough.
public enum Suggest {
    public static func closest(_ word: String, in candidates: [String]) -> String? {
        let limit = max(1, word.count / 3)
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }), best.1 <= limit else { return nil }
        return best.0
    }

    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count), prevprev = prev
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                // A swap of two neighbours ('rbg' for 'rgb') counts as one edit.
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { cur[j] = Swift.min(cur[j], prevprev[j - 2] + 1) }
            }
            prevprev = prev
            prev = cur
        }
        return prev[b.count]
    }
}
