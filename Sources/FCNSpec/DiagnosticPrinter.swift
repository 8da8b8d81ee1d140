// Renders diagnostics the way compilers do:
//   Models/fcn8s.yaml:12:9: error: message [id]
//   Models/backbones/vgg16.yaml:3:5: note: other line involved
//     fix: what to write instead
// Colour only when asked (the CLI asks when stderr is a terminal).

public struct DiagnosticPrinter: Sendable {
    public var colour: Bool

    public init(colour: Bool) { self.colour = colour }

    public func render(_ d: Diagnostic) -> String {
        var out = line(d.location, d.severity.rawValue, d.message + " [\(d.id.rawValue)]")
        for n in d.notes { out += "\n" + line(n.location ?? d.location, "note", n.message) }
        if let fix = d.fix { out += "\n" + paint("  fix: ", "\u{1B}[1;32m") + fix }
        return out
    }

    public func render(_ ds: [Diagnostic]) -> String {
        var text = ds.map(render).joined(separator: "\n")
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
