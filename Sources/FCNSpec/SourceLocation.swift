// Where a value came from: a file and a 1-based line and column.
// Every spec value keeps one, so every diagnostic can point at the line that caused it.

public struct SourceLocation: Hashable, Codable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A location for values the compiler made up (generated layers, defaults).
    public static func generated(_ what: String = "<generated>") -> SourceLocation {
        SourceLocation(file: what, line: 0, column: 0)
    }

    public var isGenerated: Bool { line == 0 }

    public var description: String { isGenerated ? file : "\(file):\(line):\(column)" }
}
