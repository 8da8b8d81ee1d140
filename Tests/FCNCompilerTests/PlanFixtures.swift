// Shared helpers for the plan tests: locating Models/, compiling a model or an inline
// spec, and golden files that are re-recorded on demand (FCNGC_RECORD=1 swift test).

import Foundation
import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

enum PlanFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shippedModels = ["fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce", "fcn4s", "fcn-alexnet"]

    static func model(_ name: String) -> String { root.appendingPathComponent("Models/\(name).yaml").path }

    /// Compiles a shipped model (relative path, as a user would type it, so dumps carry no absolute paths).
    static func compile(_ name: String, input: Pair = Pair(500), sizeLimit: Int = 64) throws -> Compilation {
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(root.path)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        return try compile(path: "Models/\(name).yaml", input: input, sizeLimit: sizeLimit)
    }

    static func compile(path: String, input: Pair, sizeLimit: Int = 64) throws -> Compilation {
        let d = Diagnostics()
        var options = CompileOptions(input: input)
        options.sizeLimit = sizeLimit
        guard let c = Pipeline.compile(path, options: options, diagnostics: d) else {
            throw NSError(domain: "compile", code: 1, userInfo: [NSLocalizedDescriptionKey: DiagnosticPrinter(colour: false).render(d.all)])
        }
        return c
    }

    /// Compiles YAML text written to a temporary file.
    static func compile(yaml: String, input: Pair) throws -> Compilation {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("model.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try compile(path: file.path, input: input)
    }

    /// Compares `actual` with the golden file; FCNGC_RECORD=1 rewrites it instead.
    static func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = root.appendingPathComponent("Tests/FCNCompilerTests/Golden/\(name)")
        if ProcessInfo.processInfo.environment["FCNGC_RECORD"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("missing golden file \(name); record it with FCNGC_RECORD=1 swift test", file: file, line: line)
            return
        }
        if expected != actual {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            var report: [String] = []
            for i in 0..<max(e.count, a.count) where (i < e.count ? e[i] : "") != (i < a.count ? a[i] : "") {
                report.append("line \(i + 1):\n  - \(i < e.count ? e[i] : "")\n  + \(i < a.count ? a[i] : "")")
                if report.count == 5 { break }
            }
            XCTFail("\(name) differs from its golden file (FCNGC_RECORD=1 to re-record after review):\n" + report.joined(separator: "\n"), file: file, line: line)
        }
    }
}
