// Compiler diagnostics: `path:line:col: error: message [id]`, with notes pointing at the
// other lines involved and an optional fix. Every message has a stable id (see DiagnosticID)
// so tests and scripts can match on it. Stages collect diagnostics in a `Diagnostics`
// value instead of throwing at the first problem.

public enum Severity: String, Codable, Sendable, Comparable {
    case note, warning, error
    private var rank: Int { self == .note ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

public struct Diagnostic: Codable, Sendable, Hashable {
    public struct Note: Codable, Sendable, Hashable {
        public var location: SourceLocation?
        public var message: String
        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var severity: Severity
    public var id: DiagnosticID
    public var message: String
    public var location: SourceLocation?
    public var notes: [Note]
    /// A suggested change, phrased as an instruction ("write `stride: 8`").
    public var fix: String?

    public init(_ severity: Severity, _ id: DiagnosticID, _ message: String,
                at location: SourceLocation?, notes: [Note] = [], fix: String? = nil) {
        self.severity = severity
        self.id = id
        self.message = message
        self.location = location
        self.notes = notes
        self.fix = fix
    }
}

/// An ordered collection of diagnostics, shared by the stages of one compilation.
public final class Diagnostics: @unchecked Sendable {
    public private(set) var all: [Diagnostic] = []
    /// The same diagnostics as a set, so de-duplication is not a scan of `all` per add.
    private var seen: Set<Diagnostic> = []

    public init() {}

    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }

    public func add(_ d: Diagnostic) {
        // The same problem reached twice (e.g. through two consumers) is reported once.
        if seen.insert(d).inserted { all.append(d) }
    }

    public func error(_ id: DiagnosticID, _ message: String, at loc: SourceLocation?,
                      notes: [Diagnostic.Note] = [], fix: String? = nil) {
        add(Diagnostic(.error, id, message, at: loc, notes: notes, fix: fix))
    }

    public func warning(_ id: DiagnosticID, _ message: String, at loc: SourceLocation?,
                        notes: [Diagnostic.Note] = [], fix: String? = nil) {
        add(Diagnostic(.warning, id, message, at: loc, notes: notes, fix: fix))
    }
}

/// Thrown by a stage that cannot go on; its diagnostics have already been collected.
public struct CompilationFailed: Error, Sendable {
    public init() {}
}
