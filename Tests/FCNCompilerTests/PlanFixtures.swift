// Shared helpers for the plan tests: locating Models/, compiling a model or an inline
// spec, and golden files that are re-recorded on demand (FCNGC_RECORD=1 swift test, which
// then fails so the new files get reviewed).

import Foundation
import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

enum PlanFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shippedModels = ["fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce", "fcn4s", "fcn-alexnet"]

    static func model(_ name: String) -> String { root.appendingPathComponent("Models/\(name).yaml").path }

    /// Compiles a shipped model by its absolute path (the working directory is left alone:
    /// tests may run in parallel, and plans carry no file paths).
    static func compile(_ name: String, input: Pair = Pair(500), sizeLimit: Int = 64) throws -> Compilation {
        try compile(path: model(name), input: input, sizeLimit: sizeLimit)
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

    /// Compares `actual` with the golden file. FCNGC_RECORD=1 rewrites it, and still fails,
    /// so a recording run is never mistaken for a passing one.
    static func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = root.appendingPathComponent("Tests/FCNCompilerTests/Golden/\(name)")
        let record = ProcessInfo.processInfo.environment["FCNGC_RECORD"] == "1"
        if let failure = try goldenMismatch(actual, url, record: record) { XCTFail(failure, file: file, line: line) }
    }

    /// Why `actual` does not pass as the golden file at `url`, or nil when it matches. With
    /// `record`, writes `actual` there first and reports that it did.
    static func goldenMismatch(_ actual: String, _ url: URL, record: Bool) throws -> String? {
        let name = url.lastPathComponent
        if record {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return "\(name) re-recorded: review the diff (git diff \(url.path)), then run again without FCNGC_RECORD"
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return "missing golden file \(name); record it with FCNGC_RECORD=1 swift test, then review it"
        }
        guard expected != actual else { return nil }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var report: [String] = []
        for i in 0..<max(e.count, a.count) where (i < e.count ? e[i] : "") != (i < a.count ? a[i] : "") {
            report.append("line \(i + 1):\n  - \(i < e.count ? e[i] : "")\n  + \(i < a.count ? a[i] : "")")
            if report.count == 5 { break }
        }
        return "\(name) differs from its golden file (FCNGC_RECORD=1 to re-record after review):\n" + report.joined(separator: "\n")
    }
}
