// Where a value came from: a file and a 1-based line and column.
// Every spec value keeps one, so every diagnostic can point at the line that caused it.
// A value in a layer generated from a block template (BlockExpansion.swift) points at the
// template line and also carries the instances that made it, innermost first, so every
// diagnostic about it (from the reader or from any compiler pass) can say which instance.

public struct SourceLocation: Hashable, Codable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The block instances this location was generated through, innermost first (empty for
    /// a value written where it is used).
    public var instantiation: [InstanceSite] = []

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

    /// The same place without the instances that generated it.
    public var written: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    enum CodingKeys: String, CodingKey { case file, line, column, instantiation }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decode(String.self, forKey: .file)
        line = try c.decode(Int.self, forKey: .line)
        column = try c.decode(Int.self, forKey: .column)
        instantiation = try c.decodeIfPresent([InstanceSite].self, forKey: .instantiation) ?? []
    }

    /// Written as before for ordinary locations (no `instantiation` key when it is empty).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(column, forKey: .column)
        if !instantiation.isEmpty { try c.encode(instantiation, forKey: .instantiation) }
    }
}

/// One block instance a generated value came through: the `- {block: ...}` line that made
/// it, the instance's name (`layer3.2`) and the block's name (`bottleneck`).
public struct InstanceSite: Hashable, Codable, Sendable {
    public var instance: String
    public var block: String
    public var file: String
    public var line: Int
    public var column: Int

    public init(instance: String, block: String, at location: SourceLocation) {
        self.instance = instance
        self.block = block
        self.file = location.file
        self.line = location.line
        self.column = location.column
    }

    public var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    /// The note every diagnostic in a generated layer carries.
    public var message: String { "in instance '\(instance)' of block '\(block)'" }
}
