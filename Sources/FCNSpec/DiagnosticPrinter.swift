// Renders diagnostics the way compilers do:
//   Models/fcn8s.yaml:12:9: error: message [id]
//   Models/backbones/vgg16.yaml:3:5: note: other line involved
//     fix: what to write instead
// Colour only when asked (the CLI asks when stderr is a terminal). A list is printed sorted
// by file, line and column, each diagnostic followed by its own notes. A location inside a
// block template is followed by one note per instance that generated it:
//   Models/backbones/resnet50.yaml:14:7: error: message [id]
//   Models/backbones/resnet50.yaml:30:5: note: in instance 'layer3.2' of block 'bottleneck'

public struct DiagnosticPrinter: Sendable {
    public var colour: Bool

    public init(colour: Bool) { self.colour = colour }

    public func render(_ d: Diagnostic) -> String {
        var out = line(d.location, d.severity.rawValue, d.message + " [\(d.id.rawValue)]")
        out += instances(d.location)
        for n in d.notes {
            out += "\n" + line(n.location ?? d.location, "note", n.message)
            // A note in another instance says which; one in the same instance does not repeat it.
            if let l = n.location, l.instantiation != d.location?.instantiation { out += instances(l) }
        }
        if let fix = d.fix { out += "\n" + paint("  fix: ", "\u{1B}[1;32m") + fix }
        return out
    }

    /// Every diagnostic, sorted by location (with its notes and fix), then the counts.
    public func render(_ ds: [Diagnostic]) -> String {
        var text = Self.sortedByLocation(ds).map(render).joined(separator: "\n")
        let e = ds.filter { $0.severity == .error }.count
        let w = ds.filter { $0.severity == .warning }.count
        if e + w > 0 {
            var parts: [String] = []
            if e > 0 { parts.append("\(e) error\(e == 1 ? "" : "s")") }
            if w > 0 { parts.append("\(w) warning\(w == 1 ? "" : "s")") }
            text += "\n" + parts.joined(separator: " and ") + " generated."
        }
        return text
    }

    /// Stably sorted by file, line and column; diagnostics without a location come first,
    /// in the order they were reported.
    public static func sortedByLocation(_ ds: [Diagnostic]) -> [Diagnostic] {
        ds.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (l?, r?):
                if l.file != r.file { return l.file < r.file }
                if l.line != r.line { return l.line < r.line }
                if l.column != r.column { return l.column < r.column }
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): break
            }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// One note per block instance `loc` was generated through, innermost first.
    private func instances(_ loc: SourceLocation?) -> String {
        (loc?.instantiation ?? []).map { "\n" + line($0.location, "note", $0.message) }.joined()
    }

    private func line(_ loc: SourceLocation?, _ kind: String, _ message: String) -> String {
        let code: String
        switch kind {
        case "error": code = "\u{1B}[1;31m"
        case "warning": code = "\u{1B}[1;35m"
        default: code = "\u{1B}[1;36m"
        }
        let prefix = loc.map { paint("\($0): ", "\u{1B}[1m") } ?? ""
        return prefix + paint(kind + ":", code) + " " + message
    }

    private func paint(_ s: String, _ code: String) -> String {
        colour ? code + s + "\u{1B}[0m" : s
    }
}
