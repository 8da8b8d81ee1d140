// Hostile specs (issue 13): an `extends` chain thousands deep (a stack overflow before), a
// FIFO as a spec (a hang before), tens of thousands of layers (quadratic passes before), and
// the compiled valid-size program against its definition.

import Foundation
import XCTest
import FCNSpec
@testable import FCNCompiler

final class BigSpecTests: XCTestCase {
    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-big-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func testDeepExtendsChainIsAnErrorNotAStackOverflow() throws {
        let dir = try tempDir()
        let depth = 2000
        for i in 0..<depth {
            let text = i < depth - 1 ? "extends: s\(i + 1).yaml\n" : "name: base\ninput: {channels: 3}\ngraph:\n  - {conv: c, out: 2, kernel: 1}\n"
            try text.write(to: dir.appendingPathComponent("s\(i).yaml"), atomically: false, encoding: .utf8)
        }
        let d = Diagnostics()
        XCTAssertNil(SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).load(dir.appendingPathComponent("s0.yaml").path))
        XCTAssertEqual(d.errors.map(\.id), [.extendsTooDeep])
        XCTAssertTrue(d.errors[0].message.contains("deeper than \(SpecFiles.maxExtendsDepth) files"), d.errors[0].message)
        // A chain within the bound still resolves.
        let ok = dir.appendingPathComponent("s\(depth - 10).yaml").path
        XCTAssertNotNil(SpecLoader(diagnostics: Diagnostics(), catalog: OpRegistry.catalog).load(ok))
    }

    func testFIFOSpecIsRefusedWithoutBlocking() throws {
        let dir = try tempDir()
        let fifo = dir.appendingPathComponent("spec.yaml").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let d = Diagnostics()
        XCTAssertNil(SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).load(fifo))
        XCTAssertEqual(d.errors.map(\.id), [.fileNotFound])
        XCTAssertTrue(d.errors[0].message.hasSuffix("not a regular file"), d.errors[0].message)
    }

    func testTwentyThousandLayersCompile() throws {
        // Quadratic passes took minutes here (110 s for 60,000 in release); linear ones take a
        // moment even in a debug build.
        var yaml = "name: relus\ninput: {channels: 3, size: 32}\ngraph:\n  - {conv: c0, out: 4, kernel: 3, pad: 1}\n"
        for i in 0..<20_000 { yaml += "  - {relu: r\(i)}\n" }
        let c = try PlanFixtures.compile(yaml: yaml, input: Pair(32))
        XCTAssertEqual(c.graph.nodes.count, 20_002)
        XCTAssertEqual(c.graph.nodes.map(\.name).suffix(2), ["r19998", "r19999"])
        XCTAssertEqual(c.validSizes.smallest, [1, 1])
    }

    func testTopologicalOrderIsStableWithForwardReferences() throws {
        let yaml = """
        name: fwd
        input: {channels: 3}
        graph:
          - {conv: b, from: a, out: 2, kernel: 1}
          - {conv: a, from: input, out: 2, kernel: 1}
          - {conv: c, from: input, out: 2, kernel: 1}
          - {sum: s, from: [b, c]}
        """
        let c = try PlanFixtures.compile(yaml: yaml, input: Pair(8))
        XCTAssertEqual(c.graph.nodes.map(\.name), ["input", "a", "b", "c", "s"])
    }

    func testCompiledSizeProgramAgreesWithTheDefinition() throws {
        var graphs: [Graph] = []
        for m in PlanFixtures.shippedModels { graphs.append(try PlanFixtures.compile(m).graph) }
        let fixtures = PlanFixtures.root.appendingPathComponent("Tests/FCNCompilerTests/Fixtures")
        for f in ["per-axis-ok.yaml", "diag-crop-too-small.yaml", "diag-size-mismatch.yaml"] {
            let spec = try XCTUnwrap(SpecLoader(diagnostics: Diagnostics(), catalog: OpRegistry.catalog).load(fixtures.appendingPathComponent(f).path), f)
            if let a = Pipeline.analyse(spec, diagnostics: Diagnostics()) { graphs.append(a.graph) }
        }
        XCTAssertGreaterThanOrEqual(graphs.count, PlanFixtures.shippedModels.count)
        for g in graphs {
            for axis in 0..<2 {
                let program = AxisProgram(g, axis: axis)
                for size in 1...600 {
                    let a = program.run(size), b = ValidSizesPass.chain(g, axis: axis, size: size)
                    switch (a, b) {
                    case (.success(let x), .success(let y)): XCTAssertEqual(x, y, "\(g.name) axis \(axis) size \(size)")
                    case (.failure(let x), .failure(let y)): XCTAssertEqual(x.layer, y.layer, "\(g.name) axis \(axis) size \(size)")
                    default: XCTFail("\(g.name) axis \(axis) size \(size): \(a) vs \(b)")
                    }
                }
            }
        }
    }
}
