// Runs the fcngc binary built next to the tests, in the package root, as a user would. A
// missing binary fails the test that needed it (with how to build it); it is never a skip.

import Foundation
import XCTest

enum CLIProcess {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// The binary is missing: a failure (never a skip), saying how to build it.
    struct BinaryMissing: Error, CustomStringConvertible {
        var looked: [String]
        var description: String {
            "fcngc binary not found next to the tests (looked at \(looked.joined(separator: ", "))): build it with `swift build --build-tests` (or run `swift test`, which builds it)"
        }
    }

    /// The directories the binary is looked for in: next to the test bundle, as SwiftPM builds it.
    static var searchDirectories: [URL] {
        let here = Bundle.main.bundleURL
        return [here, here.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
    }

    /// The first executable `fcngc` in `directories`.
    static func binary(in directories: [URL] = searchDirectories) throws -> URL {
        let candidates = directories.map { $0.appendingPathComponent("fcngc") }
        guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw BinaryMissing(looked: candidates.map(\.path))
        }
        return bin
    }

    static func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        try run(binary: try binary(), args, file: file, line: line)
    }

    static func run(binary bin: URL, _ args: [String], in directory: URL = CLITests.root, file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let e = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { e.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        XCTAssertNotEqual(p.terminationReason, .uncaughtSignal, "fcngc crashed: \(args)", file: file, line: line)
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e.data, as: UTF8.self))
    }
}

/// What every CLI test class needs: fcngc as a process, a scratch directory removed after the
/// test, and a spec file written into it.
extension XCTestCase {
    @discardableResult
    func fcngc(_ args: String..., file: StaticString = #filePath, line: UInt = #line) throws -> CLIProcess.Result {
        try CLIProcess.run(args, file: file, line: line)
    }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func spec(_ dir: URL, _ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
