// Shared helpers for the foundation tests (offsets, shapes, diagnostics, fuzz).
// Test targets declare no resources, so fixture files and the shipped Models/ are found
// relative to this source file.

import Foundation
import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

enum FoundationFixtures {
    /// Tests/FCNCompilerTests
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// The package root.
    static let root = testsDir.deletingLastPathComponent().deletingLastPathComponent()
    static let modelsDir = root.appendingPathComponent("Models")
    static let fixturesDir = testsDir.appendingPathComponent("Fixtures")

    static let shippedModels = ["fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce", "fcn4s", "fcn-alexnet"]

    static func model(_ name: String) -> String { modelsDir.appendingPathComponent(name + ".yaml").path }
    static func fixture(_ name: String) -> String { fixturesDir.appendingPathComponent(name).path }

    /// Compiles a file; returns the compilation (nil on failure) and every diagnostic.
    static func compile(_ path: String, input: Pair? = nil, sizeLimit: Int = 64) -> (Compilation?, Diagnostics) {
        let d = Diagnostics()
        var options = CompileOptions(input: input)
        options.sizeLimit = sizeLimit
        let c = Pipeline.compile(path, options: options, diagnostics: d)
        return (c, d)
    }

    /// Compiles a shipped model and fails the test (with the diagnostics) if it does not compile.
    static func compiled(_ name: String, input: Pair? = nil, sizeLimit: Int = 64,
                         file: StaticString = #filePath, line: UInt = #line) -> Compilation? {
        let (c, d) = compile(model(name), input: input, sizeLimit: sizeLimit)
        XCTAssertNotNil(c, "\(name) should compile:\n" + DiagnosticPrinter(colour: false).render(d.all), file: file, line: line)
        XCTAssertFalse(d.hasErrors, "\(name): " + DiagnosticPrinter(colour: false).render(d.all), file: file, line: line)
        return c
    }

    static func render(_ d: Diagnostics) -> String { DiagnosticPrinter(colour: false).render(d.all) }

    /// The node named `name` in `g`, or a test failure.
    static func node(_ g: Graph, _ name: String, file: StaticString = #filePath, line: UInt = #line) -> Node? {
        guard let id = g.id(named: name) else {
            XCTFail("no node named '\(name)' in \(g.name)", file: file, line: line)
            return nil
        }
        return g.nodes[id]
    }
}
