// `fcngc import caffe` as a user runs it, on the paper's two-head and two-stream nets (the zoo's
// test prototxts kept in Tests/FCNCaffeTests/Fixtures/zoo): the exit status, what goes to
// stdout and stderr, and which files are left.

import Foundation
import XCTest

final class ImportCaffeCLITests: XCTestCase {
    static let zoo = CLITests.root.appendingPathComponent("Tests/FCNCaffeTests/Fixtures/zoo")

    func testColorHHAImportsAsTwoStreamsAndExitsZero() throws {
        let dir = try tempDir()
        let out = dir.appendingPathComponent("color-hha.yaml").path
        let r = try fcngc("import", "caffe", Self.zoo.appendingPathComponent("nyud-fcn32s-color-hha-test.prototxt").path, "-o", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("1 of 1 written offset agrees with the derivation"), r.stdout)
        XCTAssertTrue(r.stdout.contains("graph of 5 layers; inputs color, hha at 500x500 -> output 40x500x500"), r.stdout)
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(files, ["backbones", "backbones/vgg16.yaml", "color-hha.yaml"])
    }

    /// SIFT Flow with its geometric head's last crop at 34 instead of 31: DISAGREES, exit 1, no files.
    func testWrongOffsetInATwoHeadNetExitsOneAndWritesNothing() throws {
        let dir = try tempDir()
        var lines = try String(contentsOf: Self.zoo.appendingPathComponent("siftflow-fcn8s-test.prototxt"), encoding: .utf8)
            .components(separatedBy: "\n")
        XCTAssertEqual(lines[793], "    offset: 31")
        lines[793] = "    offset: 34"
        let proto = try spec(dir, "siftflow-fcn8s.prototxt", lines.joined(separator: "\n"))
        let outDir = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let r = try fcngc("import", "caffe", proto, "-o", outDir.appendingPathComponent("siftflow.yaml").path)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("score_geo         upscore8_geo     data                     34       31  DISAGREES"), r.stdout)
        XCTAssertTrue(r.stdout.contains("5 of 6 written offsets agree with the derivation"), r.stdout)
        XCTAssertTrue(r.stderr.contains("\(proto):794:5: error: crop 'score_geo' has offset 34 in the prototxt, but the coordinate maps give 31"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outDir.path), [])
    }
}
