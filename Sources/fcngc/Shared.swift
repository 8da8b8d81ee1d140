// Pieces every subcommand shares: the input-size argument, diagnostics on stderr
// (colour only on a terminal), and atomic file output.

import ArgumentParser
import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan

extension Pair: ExpressibleByArgument {
    /// "500", "500x375" (height x width).
    public init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let h = Int(parts[0]), let w = Int(parts.last!), h >= 1, w >= 1,
              h <= 1_000_000, w <= 1_000_000 else { return nil }
        self.init(h, w)
    }
}

enum Terminal {
    static var stderrIsTTY: Bool { isatty(2) == 1 }
    static var stdoutIsTTY: Bool { isatty(1) == 1 }

    static func printError(_ s: String) {
        Feedback.clearPendingLine()
        FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }

    /// Prints collected diagnostics; throws exit code 1 if any is an error.
    static func report(_ diagnostics: Diagnostics) throws {
        printDiagnostics(diagnostics)
        if diagnostics.hasErrors { throw ExitCode(1) }
    }

    /// Prints collected diagnostics on stderr, sorted by file and line (colour only on a
    /// terminal, and not under NO_COLOR).
    static func printDiagnostics(_ diagnostics: Diagnostics) {
        let printer = DiagnosticPrinter(colour: stderrIsTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        if !diagnostics.all.isEmpty { printError(printer.render(diagnostics.all)) }
    }
}

enum Output {
    /// Writes `data` to `path` atomically (temporary file in the same directory, then rename),
    /// or to stdout when path is nil or "-".
    static func write(_ data: Data, to path: String?) throws {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            Terminal.printError("error: cannot write '\(path)': \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }

    static func write(_ text: String, to path: String?) throws { try write(Data(text.utf8), to: path) }
}

/// Pretty, key-sorted JSON for any report.
func jsonString<T: Encodable>(_ value: T) throws -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try enc.encode(value), as: UTF8.self) + "\n"
}
