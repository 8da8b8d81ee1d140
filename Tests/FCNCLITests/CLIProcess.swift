// Runs the fcngc binary built next to the tests, in the package root, as a user would.

import Foundation
import XCTest

enum CLIProcess {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let here = Bundle.main.bundleURL
        let candidates = [here, here.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .map { $0.appendingPathComponent("fcngc") }
        guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("fcngc binary not found next to the tests: \(candidates.map(\.path))")
        }
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.currentDirectoryURL = CLITests.root
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
