// The op registry and the pass lists: one definition per kind that the spec reader, the
// passes and the plan all use; no `default:` in the code that dispatches on kinds; the graph
// verifier after every pass of every shipped model; --print-after's observer.

import Foundation
import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class RegistryTests: XCTestCase {
    func testEveryKindHasItsOwnDefinitionAndSchema() {
        for kind in OpKind.allCases {
            XCTAssertEqual(kind.definition.kind, kind, "\(kind)'s definition is registered under its own kind")
        }
        XCTAssertEqual(OpRegistry.catalog.kinds, OpKind.allCases.filter { $0 != .input }.map(\.rawValue))
        XCTAssertEqual(OpRegistry.catalog.schema("conv")?.keys.map(\.name), ["out", "kernel", "stride", "pad", "dilation", "group", "bias", "relu"])
        XCTAssertEqual(OpRegistry.catalog.schema("sum")?.inputs, .many(min: 2))
        XCTAssertNil(OpRegistry.catalog.schema("input"), "the input is implicit")
    }

    func testKeyDefaultsComeFromTheDefinition() {
        var deconv = LayerSpec(kind: "deconv", name: "up", location: SourceLocation(file: "m.yaml", line: 1, column: 1))
        deconv.set("stride", .pair(Pair(8)), at: deconv.location)
        let p = OpKind.deconv.definition.params(deconv)
        XCTAssertEqual(p.kernel, Pair(16), "a deconv's kernel defaults to twice its stride")
        XCTAssertFalse(p.bias)
        XCTAssertEqual(p.upsampler, .fixedBilinear)
        deconv.set("learn", .bool(true), at: deconv.location)
        XCTAssertEqual(OpKind.deconv.definition.params(deconv).upsampler, .learned)
        let conv = LayerSpec(kind: "conv", name: "c", location: deconv.location)
        XCTAssertTrue(OpKind.conv.definition.params(conv).bias)
    }

    /// The reader knows no kind by itself: a catalog with a kind fcngc does not have is read by its schema.
    func testSpecReaderIsDrivenByTheCatalog() throws {
        let catalog = LayerCatalog([LayerSchema(kind: "blur", keys: [KeySchema("radius", .int(min: 1), required: "the radius")], inputs: .one)])
        let d = Diagnostics()
        let root = try XCTUnwrap(YAMLComposer(file: "m.yaml", diagnostics: d).compose("""
        layers:
          - {blur: b1, radius: 3}
          - {blur: b2}
          - {conv: c1, out: 4}
        """))
        let layers = LayerReader(diagnostics: d, context: "test", catalog: catalog).readLayers(try XCTUnwrap(root["layers"]))
        XCTAssertEqual(layers.map(\.name), ["b1", "b2"])
        XCTAssertEqual(layers[0].int("radius")?.value, 3)
        let messages = d.all.map(\.message)
        XCTAssertTrue(messages.contains { $0.contains("needs 'radius' (the radius)") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.contains("unknown layer kind 'conv'") }, "\(messages)")
    }

    /// Code that dispatches on op or step kinds must list every kind: a new kind then fails to
    /// compile until each place handles it, instead of silently falling into a default.
    func testNoDefaultCaseWhereKindsAreDispatched() throws {
        let sources = PlanFixtures.root.appendingPathComponent("Sources")
        let dirs = ["FCNCompiler", "FCNPlan", "FCNRuntime/Interpreter", "FCNONNX"]
        var offenders: [String] = []
        for dir in dirs {
            let base = sources.appendingPathComponent(dir)
            let files = FileManager.default.enumerator(atPath: base.path)?.compactMap { $0 as? String } ?? []
            for f in files where f.hasSuffix(".swift") && !f.contains("Generated") {
                let text = try String(contentsOf: base.appendingPathComponent(f), encoding: .utf8)
                for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.trimmingCharacters(in: .whitespaces).hasPrefix("default:") {
                    offenders.append("\(dir)/\(f):\(i + 1)")
                }
            }
        }
        XCTAssertEqual(offenders, [])
    }

    func testGraphVerifierHoldsAfterEveryPassOfEveryShippedModel() throws {
        for name in PlanFixtures.shippedModels {
            var seen: [String] = []
            let d = Diagnostics()
            var options = CompileOptions(input: Pair(97, 131))
            options.sizeLimit = 64
            let c = Pipeline.compile(PlanFixtures.model(name), options: options, diagnostics: d) { pass, a in
                seen.append(pass)
                XCTAssertEqual(VerifyGraph.problems(a, after: pass), [], "\(name) after \(pass)")
            }
            XCTAssertNotNil(c, name)
            XCTAssertEqual(seen, Pipeline.passNames, name)
        }
    }

    func testGraphVerifierCatchesABrokenGraph() throws {
        let d = Diagnostics()
        var a = try XCTUnwrap(Pipeline.analyse(try XCTUnwrap(SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).load(PlanFixtures.model("fcn8s"))), diagnostics: d))
        XCTAssertEqual(VerifyGraph.problems(a, after: "valid-sizes"), [])
        let crop = try XCTUnwrap(a.graph.id(named: "score_pool4c"))
        a.graph.nodes[crop].cropOffset = nil
        a.graph.nodes[5].inputs = [9]
        let problems = VerifyGraph.problems(a, after: "valid-sizes")
        XCTAssertTrue(problems.contains("crop 'score_pool4c' has no offset"), "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("reads v9, which is not an earlier node") }, "\(problems)")
    }

    func testPlanObserverSeesLoweringAndEveryPlanPass() throws {
        var seen: [String] = []
        _ = PlanPipeline.run(try PlanFixtures.compile("fcn16s", input: Pair(64))) { pass, plan in
            seen.append(pass)
            XCTAssertEqual(VerifyPlan.problems(plan), [], pass)
        }
        XCTAssertEqual(seen, [PlanPipeline.loweringName] + PlanPipeline.passes.map(\.name))
    }
}
