// Issue 13's cases, each as a user meets it: bad, hostile or clashing paths and files get
// exit 1 and a message naming the file, no signal, no hang, and nothing written or destroyed.

import Foundation
import XCTest
import FCNRuntime

final class RobustnessCLITests: XCTestCase {
    let tiny = CLITests.tiny



    func image(_ dir: URL, _ name: String = "img.png", size: Int = 24) throws -> URL {
        let url = dir.appendingPathComponent(name)
        var img = RGBImage(width: size, height: size)
        for i in img.pixels.indices { img.pixels[i] = UInt8(i % 251) }
        try Images.writePNG(img, to: url.path)
        return url
    }

    func tensor(_ dir: URL, _ shape: [Int], name: String = "in.npy") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try NPY.write(Tensor(shape: shape, repeating: 0.5), to: url.path)
        return url
    }

    func assertRefused(_ r: CLIProcess.Result, mentions: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "expected '\(m)' in: \(r.stderr)", file: file, line: line) }
    }

    func bytes(_ url: URL) -> Data? { FileManager.default.contents(atPath: url.path) }

    // MARK: inputs destroyed, outputs clashing

    func testOutputOverTheInputImageIsRefused() throws {
        let dir = try tempDir(), img = try image(dir)
        let before = bytes(img)
        assertRefused(try fcngc("run", tiny, "--init", "random", "--image", img.path, "-o", img.path), mentions: img.path, "--image")
        XCTAssertEqual(bytes(img), before)
    }

    func testScoresOverTheInputTensorIsRefused() throws {
        let dir = try tempDir(), t = try tensor(dir, [1, 3, 24, 24])
        let before = bytes(t)
        assertRefused(try fcngc("run", tiny, "--init", "random", "--tensor", t.path, "--scores", "\(dir.path)/./in.npy"), mentions: "--tensor")
        XCTAssertEqual(bytes(t), before)
    }

    func testTwoOutputsOnOnePathAreRefused() throws {
        let dir = try tempDir(), img = try image(dir)
        let out = dir.appendingPathComponent("same.png")
        assertRefused(try fcngc("run", tiny, "--init", "random", "--image", img.path, "-o", out.path, "--overlay", out.path), mentions: "-o and --overlay name the same file")
        let npy = dir.appendingPathComponent("same.npy")
        assertRefused(try fcngc("run", tiny, "--init", "random", "--image", img.path, "--scores", npy.path, "--dump-steps", npy.path), mentions: "--scores and --dump-steps name the same file")
        XCTAssertNil(bytes(npy))
        XCTAssertNil(bytes(out))
    }

    func testImageDirectoryAsItsOwnOutputIsRefused() throws {
        let dir = try tempDir()
        _ = try image(dir, "a.png")
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        assertRefused(try fcngc("run", tiny, "--init", "random", "--image", dir.path, "-o", dir.path + "/"), mentions: "would overwrite the input")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), before)
    }

    func testWeightsInitOverTheSpecIsRefused() throws {
        let dir = try tempDir()
        let spec = dir.appendingPathComponent("tiny.yaml")
        try FileManager.default.copyItem(atPath: tiny, toPath: spec.path)
        try FileManager.default.copyItem(atPath: (tiny as NSString).deletingLastPathComponent + "/tiny-backbone.yaml",
                                         toPath: dir.appendingPathComponent("tiny-backbone.yaml").path)
        let before = bytes(spec)
        assertRefused(try fcngc("weights", spec.path, "--init", "random", "-o", spec.path), mentions: "would overwrite the input")
        XCTAssertEqual(bytes(spec), before)
    }

    func testWeightsInitDoesNotReplaceTrainedWeights() throws {
        let dir = try tempDir()
        let good = dir.appendingPathComponent("good.safetensors")
        // "Trained" weights: a complete file with no --init marker.
        XCTAssertEqual(try fcngc("weights", tiny, "--init", "random:3", "-o", good.path).status, 0)
        let file = try SafetensorsFile(path: good.path)
        try SafetensorsWriter.write(try file.names.map { ($0, try file.tensor($0)) }, to: good.path)
        let before = bytes(good)
        assertRefused(try fcngc("weights", tiny, "--init", "random:4", "-o", good.path), mentions: good.path, "--force")
        XCTAssertEqual(bytes(good), before)
        // A file --init wrote is reproducible: replacing it is fine, and so is --force.
        let random = dir.appendingPathComponent("random.safetensors")
        XCTAssertEqual(try fcngc("weights", tiny, "--init", "random:3", "-o", random.path).status, 0)
        XCTAssertEqual(try fcngc("weights", tiny, "--init", "random:4", "-o", random.path).status, 0)
        XCTAssertEqual(try fcngc("weights", tiny, "--init", "random:4", "-o", good.path, "--force").status, 0)
    }

    func testEmptyOutputPathIsNamed() throws {
        let dir = try tempDir(), img = try image(dir)
        let r = try fcngc("run", tiny, "--init", "random", "--image", img.path, "-o", "")
        assertRefused(r, mentions: "-o needs a file name")
        XCTAssertFalse(r.stderr.contains("error: : "), r.stderr)
    }

    func testBatchOfTwoWithLabelOutputWritesNothing() throws {
        let dir = try tempDir(), t = try tensor(dir, [2, 3, 24, 24])
        let scores = dir.appendingPathComponent("s.npy"), out = dir.appendingPathComponent("o.png")
        assertRefused(try fcngc("run", tiny, "--init", "random", "--tensor", t.path, "--scores", scores.path, "-o", out.path), mentions: t.path, "2 images")
        XCTAssertNil(bytes(scores))
        XCTAssertNil(bytes(out))
    }

    // MARK: messages that name the file

    func testBadTensorShapesNameTheFile() throws {
        let dir = try tempDir()
        let shapes: [[Int]] = [[], [5], [3, 24, 24], [1, 1, 3, 24, 24], [0, 3, 24, 24], [1, 3, 0, 24], [1, 3, 0, 1 << 40], [1, 5, 24, 24]]
        for (i, shape) in shapes.enumerated() {
            let t = try tensor(dir, shape, name: "t\(i).npy")
            let out = dir.appendingPathComponent("s\(i).npy")
            let r = try fcngc("run", tiny, "--init", "random", "--tensor", t.path, "--scores", out.path)
            assertRefused(r, mentions: t.path)
            XCTAssertFalse(r.stderr.contains("input-too-small"), "\(shape): \(r.stderr)")
            XCTAssertNil(bytes(out))
        }
    }

    func testMissingGroundTruthDirectoryIsOurMessage() throws {
        let dir = try tempDir()
        assertRefused(try fcngc("eval", dir.path, dir.appendingPathComponent("nope").path), mentions: "nope: no such directory")
        let file = try image(dir)
        assertRefused(try fcngc("eval", dir.path, file.path), mentions: "is a file, not a directory")
    }

    func testDumpStepsNamingAFileIsOurMessage() throws {
        let dir = try tempDir(), img = try image(dir)
        let file = dir.appendingPathComponent("plain.txt")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        assertRefused(try fcngc("run", tiny, "--init", "random", "--image", img.path, "--dump-steps", file.path), mentions: "--dump-steps names a file")
    }

    // MARK: hangs and signals

    func testFIFOInputsAreRefusedWithoutBlocking() throws {
        let dir = try tempDir(), img = try image(dir)
        let fifo = dir.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let out = dir.appendingPathComponent("o.png").path
        assertRefused(try fcngc("run", tiny, "--weights", fifo, "--image", img.path, "-o", out), mentions: "a FIFO")
        assertRefused(try fcngc("run", tiny, "--init", "random", "--tensor", fifo, "-o", out), mentions: "a FIFO")
        assertRefused(try fcngc("run", tiny, "--init", "random", "--image", fifo, "-o", out), mentions: "a FIFO")
        assertRefused(try fcngc("check", fifo), mentions: "not a regular file")
        let gt = dir.appendingPathComponent("gt"), pred = dir.appendingPathComponent("pred")
        try FileManager.default.createDirectory(at: gt, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: pred, withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(gt.appendingPathComponent("a.png").path, 0o600), 0)
        try LabelPNG.write(LabelMap(width: 2, height: 2, labels: [0, 1, 1, 0]), to: pred.appendingPathComponent("a.png").path)
        assertRefused(try fcngc("eval", pred.path, gt.path), mentions: "a FIFO")
    }

    func testHugeImageIsRefusedByTheMemoryLimit() throws {
        let dir = try tempDir(), img = try image(dir, size: 400)
        let r = try fcngc("run", tiny, "--init", "random", "--image", img.path, "-o", dir.appendingPathComponent("o.png").path, "--max-memory", "2M")
        assertRefused(r, mentions: img.path, "400x400 input needs", "more than the limit of 2.0 MiB", "the largest")
        XCTAssertNil(bytes(dir.appendingPathComponent("o.png")))
    }
}
