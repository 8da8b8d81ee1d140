// Spec files: `extends` merging (deep for mappings, replacing lists, locations kept from
// the file each value came from), extends cycles, missing files, and the shipped models
// read into a ModelSpec with exact locations.

import XCTest
import Foundation
@testable import FCNSpec
import FCNCompiler

final class SpecLoaderTests: XCTestCase {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = testsDir.deletingLastPathComponent().deletingLastPathComponent()
    func fixture(_ name: String) -> String { Self.testsDir.appendingPathComponent("Fixtures/" + name).path }
    func model(_ name: String) -> String { Self.root.appendingPathComponent("Models/" + name).path }

    func load(_ path: String) -> (ModelSpec?, Diagnostics) {
        let d = Diagnostics()
        return (SpecLoader(diagnostics: d, catalog: OpRegistry.catalog).load(path), d)
    }

    func render(_ d: Diagnostics) -> String { DiagnosticPrinter(colour: false).render(d.all) }

    func testExtendsMergesMappingsAndReplacesLists() throws {
        let (spec, d) = load(fixture("ext-child.yaml"))
        XCTAssertTrue(d.all.isEmpty, render(d))
        let s = try XCTUnwrap(spec)
        let base = fixture("ext-base.yaml"), child = fixture("ext-child.yaml")
        XCTAssertEqual(s.name, "child")
        // input: size from the child, channels from the base (deep merge), each located in its file.
        XCTAssertEqual(s.input.size?.value, Pair(64))
        XCTAssertEqual(s.input.size?.location.description, "\(child):4:9")
        XCTAssertEqual(s.input.channels.value, 3)
        XCTAssertEqual(s.input.channels.location.description, "\(base):4:13")
        XCTAssertEqual(s.classes?.value, 5)
        XCTAssertEqual(s.classes?.location.description, "\(base):6:10")
        // head: score from the base, steps replaced as a whole by the child's list.
        let head = try XCTUnwrap(s.head)
        XCTAssertEqual(head.score.value, "c2")
        XCTAssertEqual(head.score.location.description, "\(base):9:10")
        XCTAssertEqual(head.steps.map(\.upsample.value), [4, 8])
        XCTAssertEqual(head.steps.map(\.upsample.location.line), [7, 8])
        XCTAssertEqual(head.upsample.location?.file, base)
        // The backbone named by the base, read from disk.
        let bb = try XCTUnwrap(s.backbone)
        XCTAssertEqual(bb.name, "tiny")
        XCTAssertEqual(bb.layers.map(\.name), ["c1", "p1", "c2", "r2"])
        XCTAssertEqual(bb.layers.map(\.kind), ["conv", "pool", "conv", "relu"])
        XCTAssertEqual(bb.layers[0].pair("kernel")?.value, Pair(3), "from the backbone's defaults")
        XCTAssertEqual(bb.layers[0].location.description, "\(fixture("tiny-backbone.yaml")):5:12")
    }

    func testExtendsKeyIsDroppedAfterMerging() throws {
        let d = Diagnostics()
        let node = try XCTUnwrap(SpecFiles(diagnostics: d).readResolved(fixture("ext-child.yaml")))
        XCTAssertNil(node["extends"])
        XCTAssertEqual(node.mapping?.map { $0.key.scalar }, ["name", "input", "classes", "backbone", "head"])
        XCTAssertEqual(node["input"]?["size"]?.scalar, "64")
        XCTAssertEqual(node["input"]?["channels"]?.scalar, "3")
    }

    /// A file extending a base in another directory: the base's relative `backbone:` is
    /// resolved against the base's directory, where it was written.
    func testExtendsAcrossDirectories() throws {
        let (spec, d) = load(fixture("sub/ext-grandchild.yaml"))
        XCTAssertFalse(d.hasErrors, render(d))
        let s = try XCTUnwrap(spec)
        XCTAssertEqual(s.classes?.value, 7)
        XCTAssertEqual(s.name, "child")
        XCTAssertEqual(s.head?.steps.map(\.upsample.value), [4, 8])
        XCTAssertEqual(s.backbone?.layers.count, 4)
        XCTAssertEqual(s.backbone.map { URL(fileURLWithPath: $0.file).standardized.path }, fixture("tiny-backbone.yaml"))
    }

    /// Merging stays linear in the number of keys (it scanned the child per base key).
    func testLargeExtendsMergeIsFast() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-merge-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 8000
        try ("name: base\n" + (0..<n).map { "b\($0): {x: 1}\n" }.joined()).write(to: dir.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
        try ("extends: base.yaml\n" + (0..<n).map { "\($0 % 2 == 0 ? "b" : "c")\($0): {y: 2}\n" }.joined())
            .write(to: dir.appendingPathComponent("child.yaml"), atomically: true, encoding: .utf8)
        let start = Date()
        let d = Diagnostics()
        let node = try XCTUnwrap(SpecFiles(diagnostics: d).readResolved(dir.appendingPathComponent("child.yaml").path))
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        let pairs = try XCTUnwrap(node.mapping)
        XCTAssertEqual(pairs.count, 1 + n + n / 2, "name, every base key, the child's new keys")
        XCTAssertEqual(node["b0"]?["x"]?.scalar, "1")
        XCTAssertEqual(node["b0"]?["y"]?.scalar, "2", "deep merge of a key both files have")
        XCTAssertNil(node["b1"]?["y"])
        XCTAssertEqual(node["c1"]?["y"]?.scalar, "2")
        XCTAssertEqual(pairs.last?.key.scalar, "c\(n - 1)", "the child's new keys come after the base's")
    }

    func testExtendsCycle() throws {
        let (spec, d) = load(fixture("cycle-a.yaml"))
        XCTAssertNil(spec)
        XCTAssertEqual(d.errors.count, 1, render(d))
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .extendsCycle)
        XCTAssertEqual(e.location?.description, "\(fixture("cycle-b.yaml")):2:10")
    }

    func testExtendsItself() throws {
        let (spec, d) = load(fixture("ext-self.yaml"))
        XCTAssertNil(spec)
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .extendsCycle)
        XCTAssertEqual(e.location?.description, "\(fixture("ext-self.yaml")):1:10")
    }

    func testExtendsMissingFile() throws {
        let (spec, d) = load(fixture("ext-missing.yaml"))
        XCTAssertNil(spec)
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .fileNotFound)
        XCTAssertEqual(e.location?.description, "\(fixture("ext-missing.yaml")):2:10")
        XCTAssertTrue(e.message.contains("nowhere.yaml"), e.message)
    }

    func testExtendsMustBeAFileName() throws {
        let (_, d) = load(fixture("ext-list.yaml"))
        let e = try XCTUnwrap(d.errors.first)
        XCTAssertEqual(e.id, .wrongType)
        XCTAssertEqual(e.location?.description, "\(fixture("ext-list.yaml")):1:10")
    }

    func testMissingFileAndDirectory() throws {
        for path in ["/nonexistent/model.yaml", Self.testsDir.path] {
            let (spec, d) = load(path)
            XCTAssertNil(spec)
            XCTAssertEqual(d.errors.map(\.id), [.fileNotFound])
            XCTAssertTrue(d.errors.first?.message.contains(path) ?? false)
        }
    }

    func testNonUTF8File() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-latin1-\(getpid()).yaml")
        try Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0xFF, 0x0A]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let (spec, d) = load(url.path)
        XCTAssertNil(spec)
        XCTAssertEqual(d.errors.first?.id, .yamlSyntax)
        XCTAssertTrue(d.errors.first?.message.contains(url.path) ?? false)
    }

    func testShippedFCN8sSpec() throws {
        let path = model("fcn8s.yaml")
        let (spec, d) = load(path)
        XCTAssertTrue(d.all.isEmpty, render(d))
        let s = try XCTUnwrap(spec)
        XCTAssertEqual(s.name, "fcn8s")
        XCTAssertEqual(s.classes?.value, 21)
        XCTAssertEqual(s.classes?.location.description, "\(model("fcn32s.yaml")):9:10")
        XCTAssertEqual(s.input.order, .bgr)
        XCTAssertEqual(s.input.mean, [104.00699, 116.66877, 122.67892])
        XCTAssertEqual(s.input.size?.value, Pair(500))
        let bb = try XCTUnwrap(s.backbone)
        XCTAssertEqual(bb.layers.count, 15 + 15 + 5 + 2, "15 convs, their relus, 5 pools, 2 dropouts")
        let conv11 = try XCTUnwrap(bb.layers.first)
        XCTAssertEqual(conv11.name, "conv1_1")
        XCTAssertEqual(conv11.location.description, "\(model("backbones/vgg16.yaml")):9:12")
        XCTAssertEqual(conv11.pair("pad")?.value, Pair(100))
        XCTAssertEqual(conv11.pair("pad")?.location.description, "\(model("backbones/vgg16.yaml")):9:35")
        XCTAssertEqual(conv11.pair("kernel")?.value, Pair(3), "from defaults")
        XCTAssertEqual(bb.layers[1].name, "relu1_1")
        let head = try XCTUnwrap(s.head)
        XCTAssertEqual(head.score.value, "fc7")
        XCTAssertEqual(head.steps.map(\.upsample.value), [2, 2, 8])
        XCTAssertEqual(head.steps.map { $0.skip?.value }, ["pool4", "pool3", nil])
        XCTAssertEqual(head.steps[0].skip?.location.description, "\(path):6:27")
        XCTAssertEqual(head.steps[0].upsample.location.description, "\(path):6:18")
        XCTAssertEqual(head.steps[0].location.description, "\(path):6:7")
    }

    func testAllShippedSpecsLoadCleanly() {
        for name in ["fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce", "fcn4s", "fcn-alexnet"] {
            let (spec, d) = load(model(name + ".yaml"))
            XCTAssertNotNil(spec, name)
            XCTAssertTrue(d.all.isEmpty, "\(name): " + render(d))
            XCTAssertEqual(spec?.name, name)
        }
    }
}
