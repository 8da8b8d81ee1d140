// Near names for references that name nothing, and `classes:` as a count or a list of names.

import XCTest
import Foundation
@testable import FCNSpec

final class NearNamesTests: XCTestCase {
    let vgg = ["input", "conv1_1", "relu1_1", "pool1", "conv3_1", "conv3_2", "conv3_3", "pool3", "fc7", "drop7"]

    func testCloseSpellingWinsThenTheStagesLastLayer() {
        XCTAssertEqual(NearNames.layer("pool_3", in: vgg), "pool3")
        XCTAssertEqual(NearNames.layer("fc_7", in: vgg), "fc7")
        XCTAssertEqual(NearNames.layer("conv3", in: vgg), "conv3_3")
        XCTAssertNil(NearNames.layer("conv", in: vgg))      // conv1_1 and conv3_x: 'conv' is not a stage
        XCTAssertNil(NearNames.layer("softmax", in: vgg))
    }

    func testMissingFileSuggestsTheNearFileInItsDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-near-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in ["fcn32s.yaml", "fcn16s.yaml", "notes.txt"] { try "x".write(to: dir.appendingPathComponent(f), atomically: true, encoding: .utf8) }
        XCTAssertEqual(NearNames.file(dir.appendingPathComponent("fcn32.yaml").path), dir.appendingPathComponent("fcn32s.yaml").path)
        XCTAssertNil(NearNames.file(dir.appendingPathComponent("alexnet.yaml").path))
    }

    func read(_ yaml: String) -> (Located<Int>?, [String]?, Diagnostics) {
        let d = Diagnostics()
        let node = YAMLComposer(file: "m.yaml", diagnostics: d).compose(yaml)!
        let r = MappingReader(node, context: "the model", diagnostics: d)!
        let (count, names) = ClassList.read(r, diagnostics: d)
        return (count, names, d)
    }

    func testClassesAsACountOrAsNames() {
        var (count, names, d) = read("classes: 21\n")
        XCTAssertEqual(count?.value, 21); XCTAssertNil(names); XCTAssertFalse(d.hasErrors)
        (count, names, d) = read("classes: [background, cat, dog]\n")
        XCTAssertEqual(count?.value, 3); XCTAssertEqual(names, ["background", "cat", "dog"]); XCTAssertFalse(d.hasErrors)
        (count, names, d) = read("classes: []\n")
        XCTAssertNil(count); XCTAssertEqual(d.errors.map(\.id), [.badValue])
        (count, names, d) = read("classes: [a, [b]]\n")
        XCTAssertNil(count); XCTAssertEqual(d.errors.map(\.id), [.wrongType])
        (count, names, d) = read("classes: many\n")
        XCTAssertNil(count); XCTAssertEqual(d.errors.map(\.id), [.wrongType])
    }
}
