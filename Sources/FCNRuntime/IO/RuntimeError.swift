// The error every file reader and writer of the runtime throws: a message that names the file
// and, where it applies, the tensor. Readers never trap on bad input; they throw this.

import Foundation

public struct RuntimeError: Error, CustomStringConvertible, LocalizedError, Sendable, Equatable {
    /// The file concerned, if any.
    public var file: String?
    /// The tensor concerned, if any.
    public var tensor: String?
    /// What went wrong, without the file and tensor prefix.
    public var problem: String
    /// Itemised problems (one per line after `problem`), for errors that collect several.
    public var details: [String]

    public init(file: String? = nil, tensor: String? = nil, _ problem: String, details: [String] = []) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
        self.details = details
    }

    /// `file: tensor 'name': problem`, then one indented line per detail.
    public var message: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let tensor { parts.append("tensor '\(tensor)'") }
        parts.append(problem)
        return parts.joined(separator: ": ") + details.map { "\n  " + $0 }.joined()
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
