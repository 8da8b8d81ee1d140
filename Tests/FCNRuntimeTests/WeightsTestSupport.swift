// Helpers for the weight, safetensors, NPY and image tests: a scratch directory per test,
// hand-made safetensors bytes, and the fixture folder.

import XCTest
import Foundation
@testable import FCNRuntime
import FCNPlan

enum IOTestFiles {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("io")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A fresh empty directory (removed by the caller's tearDown via `remove`).
    static func makeScratchDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("fcngc-io-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Safetensors bytes: the header length (or `declaredLength`), `header`, then `data`.
    static func safetensors(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        let n = declaredLength ?? UInt64(h.count)
        return withUnsafeBytes(of: n.littleEndian, Array.init) + h + data
    }

    static func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Files in `dir` (to check no temporary file is left behind).
    static func listing(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}

extension XCTestCase {
    /// Asserts `body` throws a RuntimeError whose message contains every one of `fragments`;
    /// returns the error.
    @discardableResult
    func assertRuntimeError<T>(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                               _ body: () throws -> T) -> RuntimeError? {
        do {
            _ = try body()
            XCTFail("expected an error containing \(fragments)", file: file, line: line)
            return nil
        } catch let e as RuntimeError {
            for f in fragments where !e.message.contains(f) {
                XCTFail("error \"\(e.message)\" does not contain \"\(f)\"", file: file, line: line)
            }
            return e
        } catch {
            XCTFail("expected a RuntimeError, got \(error)", file: file, line: line)
            return nil
        }
    }
}
