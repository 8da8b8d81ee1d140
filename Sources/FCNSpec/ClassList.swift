// `classes:` in a model file: a count (`classes: 21`) or the names, one per class, in label
// order (`classes: [background, aeroplane, ...]`). The names travel with the model: into the
// plan and its JSON, the ONNX metadata, the legend of `fcngc run --overlay` and the
// per-class table of `fcngc eval --spec`.

import Foundation

public enum ClassList {
    /// (count, names): names is nil for a count. Errors: wrong type, an empty list, a name
    /// that is not a plain string, a repeated name (with a note at its first use).
    public static func read(_ r: MappingReader, diagnostics: Diagnostics) -> (Located<Int>?, [String]?) {
        guard let v = r.raw("classes") else { return (nil, nil) }
        guard let items = v.sequence else {
            if v.scalar != nil, !v.isNull, Int(v.scalar!) != nil { return (r.int("classes", min: 1), nil) }
            r.typeError("classes", "a number of classes or a list of class names", v)
            return (nil, nil)
        }
        guard !items.isEmpty else {
            diagnostics.error(.badValue, "'classes' lists no class names; give at least one (or a count)", at: v.start)
            return (nil, nil)
        }
        var names: [String] = [], first: [String: SourceLocation] = [:], ok = true
        for item in items {
            guard let s = item.scalar, !item.isNull, !s.isEmpty else {
                diagnostics.error(.wrongType, "'classes' must list class names, found \(item.kindName)", at: item.start)
                ok = false
                continue
            }
            if let at = first[s] {
                diagnostics.error(.badValue, "class name '\(s)' is listed twice in 'classes'", at: item.start,
                                  notes: [.init("'\(s)' first listed here", at: at)])
                ok = false
            }
            first[s] = first[s] ?? item.start
            names.append(s)
        }
        guard ok else { return (nil, nil) }
        return (Located(names.count, at: v.start), names)
    }
}

/// Class names as a JSON array of strings (for metadata that holds one string).
public enum ClassNamesJSON {
    public static func encode(_ names: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(names)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
