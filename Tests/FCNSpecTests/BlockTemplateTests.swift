// Block templates (`blocks:` and `- {block: ...}`): instance names, param values (instance
// keys, `first:` overrides, defaults), `$in` chaining, `when:` and the aliases it leaves,
// references across files, and the diagnostics, each printed with the template line and the
// instance that made it. Hostile inputs (self-instantiation, huge repeats) fail fast.

import XCTest
import Foundation
@testable import FCNSpec
import FCNCompiler

/// Spec files written to a fresh temporary directory and loaded from there.
final class TempSpecs {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-blocks-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: dir) }

    /// Writes `files` (name -> text) and loads `model.yaml`.
    func load(_ files: [String: String]) throws -> (ModelSpec?, Diagnostics, String) {
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let path = dir.appendingPathComponent("model.yaml").path
        let d = Diagnostics()
        return (SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).load(path), d, path)
    }

    func loadModel(_ text: String) throws -> (ModelSpec?, Diagnostics, String) { try load(["model.yaml": text]) }

    /// The diagnostics as printed, with the temporary directory shown as `DIR`.
    func printed(_ d: Diagnostics) -> String {
        DiagnosticPrinter(colour: false).render(d.all).replacingOccurrences(of: dir.path + "/", with: "DIR/")
    }
}

final class BlockTemplateTests: XCTestCase {
    var specs: TempSpecs!
    override func setUpWithError() throws { specs = try TempSpecs() }
    override func tearDown() { specs = nil }

    func load(_ files: [String: String]) throws -> (ModelSpec?, Diagnostics, String) { try specs.load(files) }
    func loadModel(_ text: String) throws -> (ModelSpec?, Diagnostics, String) { try specs.loadModel(text) }
    func printed(_ d: Diagnostics) -> String { specs.printed(d) }

    func describe(_ l: LayerSpec) -> String {
        var s = "\(l.kind) \(l.name)"
        if !l.inputs.isEmpty { s += " <- " + l.inputs.map(\.value).joined(separator: ",") }
        for key in l.attributes.keys.sorted() {
            switch l.attributes[key]!.value {
            case .int(let i): s += " \(key)=\(i)"
            case .pair(let p): s += " \(key)=\(p)"
            case .bool(let b): s += " \(key)=\(b)"
            case .word(let w): s += " \(key)=\(w)"
            case .double(let x): s += " \(key)=\(x)"
            case .doubles(let x): s += " \(key)=\(x)"
            }
        }
        return s
    }

    static let residual = """
        name: res
        blocks:
          unit:
            params: {width: 4, stride: 1, project: false}
            layers:
              - {conv: a, out: $width, kernel: 3, stride: $stride, pad: 1}
              - {relu: r}
              - {conv: proj, from: $in, out: $width, kernel: 1, stride: $stride, when: project}
              - {sum: add, from: [a, proj]}
        graph:
          - {conv: stem, out: 2, kernel: 1}
          - {block: unit, name: s1, repeat: 3, width: 8, first: {stride: 2, project: true}}
          - {conv: tail, out: 3, kernel: 1}
          - {conv: tap, from: s1, out: 3, kernel: 1}
        """

    func testNamesFirstOverridesWhenAndInChaining() throws {
        let (spec, d, _) = try loadModel(Self.residual)
        XCTAssertTrue(d.all.isEmpty, printed(d))
        let layers = try XCTUnwrap(spec).graph.map(describe)
        XCTAssertEqual(layers, [
            "conv stem kernel=1 out=2",
            // instance 0: `first:` gives stride 2 and the projection; $in is stem
            "conv s1.0.a kernel=3 out=8 pad=1 stride=2",
            "relu s1.0.r",
            "conv s1.0.proj <- stem kernel=1 out=8 stride=2",
            "sum s1.0.add <- s1.0.a,s1.0.proj",
            // instance 1: defaults (stride 1, no projection): proj is an alias of $in, s1.0.add
            "conv s1.1.a kernel=3 out=8 pad=1 stride=1",
            "relu s1.1.r",
            "sum s1.1.add <- s1.1.a,s1.0.add",
            "conv s1.2.a kernel=3 out=8 pad=1 stride=1",
            "relu s1.2.r",
            "sum s1.2.add <- s1.2.a,s1.1.add",
            // after the block: the previous layer is the last instance's output; `s1` is it too
            "conv tail kernel=1 out=3",
            "conv tap <- s1.2.add kernel=1 out=3",
        ])
        let aliases = try XCTUnwrap(spec).blockAliases.mapValues(\.value)
        XCTAssertEqual(aliases, ["s1": "s1.2.add", "s1.0": "s1.0.add", "s1.1": "s1.1.add", "s1.2": "s1.2.add",
                                 "s1.1.proj": "s1.0.add", "s1.2.proj": "s1.1.add"])
    }

    func testGeneratedValuesPointAtTheTemplateAndCarryTheInstance() throws {
        let (spec, d, path) = try loadModel(Self.residual)
        XCTAssertTrue(d.all.isEmpty, printed(d))
        let layer = try XCTUnwrap(spec?.graph.first { $0.name == "s1.1.a" })
        XCTAssertEqual(layer.location.description, "\(path):6:16")       // `a` in the template
        XCTAssertEqual(layer.location.instantiation.map(\.instance), ["s1.1"])
        XCTAssertEqual(layer.location.instantiation.first?.location.description, "\(path):12:5")
        // a param's value is shown where the template uses it
        XCTAssertEqual(layer.int("out")?.location.description, "\(path):6:24")
        let stem = try XCTUnwrap(spec?.graph.first)
        XCTAssertTrue(stem.location.instantiation.isEmpty)
    }

    func testWithoutRepeatNamesHaveNoIndexAndDroppedLastLayerIsFollowed() throws {
        let (spec, d, _) = try loadModel("""
            blocks:
              maybe:
                params: {extra: false}
                layers:
                  - {conv: c, out: 4, kernel: 1}
                  - {relu: r, when: extra}
            graph:
              - {conv: stem, out: 2, kernel: 1}
              - {block: maybe, name: m}
              - {pool: p, kernel: 2, stride: 2}
              - {block: maybe, name: n, extra: true, from: stem}
            """)
        XCTAssertTrue(d.all.isEmpty, printed(d))
        XCTAssertEqual(try XCTUnwrap(spec).graph.map(describe), [
            "conv stem kernel=1 out=2",
            "conv m.c kernel=1 out=4",
            "pool p kernel=2 stride=2",
            "conv n.c <- stem kernel=1 out=4",     // `from:` on the instance is its $in
            "relu n.r",
        ])
    }

    func testNestedBlocksAndBackboneAliasesFromTheModel() throws {
        let backbone = """
            name: tiny
            blocks:
              pair:
                params: {w: 4}
                layers:
                  - {conv: c, out: $w, kernel: 1, relu: r}     # `relu: r` adds a layer, renamed too
              stage:
                params: {w: 4}
                layers:
                  - {block: pair, name: p, repeat: 2, w: $w}
                  - {conv: mix, from: p.0, out: $w, kernel: 1}
            layers:
              - {block: stage, name: layer1, w: 6}
              - {block: stage, name: layer2, repeat: 2, w: 8}
            """
        let model = """
            classes: 3
            backbone: tiny.yaml
            head:
              score: layer2
              steps:
                - {upsample: 2, skip: layer1.p}
            """
        let (spec, d, _) = try load(["tiny.yaml": backbone, "model.yaml": model])
        XCTAssertTrue(d.all.isEmpty, printed(d))
        let s = try XCTUnwrap(spec)
        XCTAssertEqual(s.backbone?.layers.map(\.name), [
            "layer1.p.0.c", "layer1.p.0.r", "layer1.p.1.c", "layer1.p.1.r", "layer1.mix",
            "layer2.0.p.0.c", "layer2.0.p.0.r", "layer2.0.p.1.c", "layer2.0.p.1.r", "layer2.0.mix",
            "layer2.1.p.0.c", "layer2.1.p.0.r", "layer2.1.p.1.c", "layer2.1.p.1.r", "layer2.1.mix",
        ])
        let mix = try XCTUnwrap(s.backbone?.layers.first { $0.name == "layer2.1.mix" })
        XCTAssertEqual(mix.inputs.map(\.value), ["layer2.1.p.0.r"])       // `p.0`, renamed and resolved
        XCTAssertEqual(mix.int("out")?.value, 8)
        let inner = try XCTUnwrap(s.backbone?.layers.first { $0.name == "layer2.1.p.0.c" })
        XCTAssertEqual(inner.location.instantiation.map(\.description), ["layer2.1.p.0 of pair", "layer2.1 of stage"])
        // the head's references to backbone block names resolve to layers
        XCTAssertEqual(s.head?.score.value, "layer2.1.mix")
        XCTAssertEqual(s.head?.steps.first?.skip?.value, "layer1.p.1.r")
    }

    func testExtendsMergesBlocksAndParams() throws {
        let base = """
            name: base
            blocks:
              b:
                params: {w: 4}
                layers:
                  - {conv: c, out: $w, kernel: 1}
            graph:
              - {block: b, name: x}
            """
        let child = """
            extends: base.yaml
            blocks:
              b:
                params: {w: 7}
            """
        let (spec, d, _) = try load(["base.yaml": base, "model.yaml": child])
        XCTAssertTrue(d.all.isEmpty, printed(d))
        XCTAssertEqual(try XCTUnwrap(spec).graph.map(describe), ["conv x.c kernel=1 out=7"])
    }
}

extension InstanceSite {
    var description: String { "\(instance) of \(block)" }
}
