// The command line as a user meets it: real processes, exit codes, stderr, files written
// (atomically, and not at all on error).

import Foundation
import XCTest
import FCNRuntime
import FCNPlan

final class CLITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tiny = root.appendingPathComponent("Tests/FCNRuntimeTests/Fixtures/tiny-fcn.yaml").path

    typealias Result = CLIProcess.Result



    /// A missing binary is an error saying how to build it, not a skip that would pass CI.
    func testMissingBinaryFailsInsteadOfSkipping() throws {
        let empty = try tempDir()
        XCTAssertThrowsError(try CLIProcess.binary(in: [empty])) { error in
            XCTAssertFalse(error is XCTSkip, "a missing binary must not skip")
            XCTAssertTrue("\(error)".contains(empty.appendingPathComponent("fcngc").path), "\(error)")
            XCTAssertTrue("\(error)".contains("swift build --build-tests"), "\(error)")
        }
        XCTAssertNoThrow(try CLIProcess.binary())
    }

    func testCompileJSONHasTheReferenceOffsets() throws {
        for (model, offsets) in [("fcn32s", ["score": 19]), ("fcn16s", ["score_pool4c": 5, "score": 27]),
                                 ("fcn8s", ["score_pool4c": 5, "score_pool3c": 9, "score": 31]), ("fcn-alexnet", ["score": 18])] {
            let r = try fcngc("compile", "Models/\(model).yaml", "--emit", "json")
            XCTAssertEqual(r.status, 0, r.stderr)
            // Locations keep the path as typed: a relative spec gives a plan with no absolute paths.
            XCTAssertFalse(r.stdout.contains(Self.root.path), "no absolute paths in \(model)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            XCTAssertEqual((obj["inputs"] as? [[String: Any]])?.first?["shape"] as? [Int], [3, 500, 500])
            let layers = obj["layers"] as! [[String: Any]]
            for (name, off) in offsets {
                XCTAssertEqual(layers.first { $0["name"] as? String == name }?["offset"] as? [Int], [off, off], "\(model) \(name)")
            }
        }
    }

    func testBrokenSpecGivesLocatedErrorAndExit1AndWritesNothing() throws {
        let dir = try tempDir()
        let spec = dir.appendingPathComponent("bad.yaml")
        try "name: bad\nbackbone:\n  layers:\n    - {conv: c1, out: 4, kernal: 3}\n    - {pool: p1, kernel: 0}\n".write(to: spec, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("plan.txt")
        let r = try fcngc("compile", spec.path, "-o", out.path)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bad.yaml:4:26: error: unknown key 'kernal' in layer 'c1'; did you mean 'kernel'? [unknown-key]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("bad.yaml:5:26: error: 'kernel' in layer 'p1' must be at least 1, found 0 [bad-kernel]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("2 errors generated."), r.stderr)   // the typo is one error, not missing-key + unknown-key
        XCTAssertFalse(r.stderr.contains("\u{1B}["), "no colour when not on a terminal")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testOutputFileEqualsStdout() throws {
        let dir = try tempDir()
        let out = dir.appendingPathComponent("plan.txt")
        XCTAssertEqual(try fcngc("compile", "Models/fcn16s.yaml", "--input", "320x240", "-o", out.path).status, 0)
        let direct = try fcngc("compile", "Models/fcn16s.yaml", "--input", "320x240")
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), direct.stdout)
        XCTAssertTrue(direct.stdout.hasPrefix("fcngc-plan 5  model fcn16s  input 3x320x240"))
    }

    func testDotRendersWithGraphviz() throws {
        let dot = try fcngc("compile", "Models/fcn8s.yaml", "--emit", "dot")
        XCTAssertEqual(dot.status, 0)
        guard FileManager.default.fileExists(atPath: "/usr/bin/dot") else { return XCTFail("graphviz is not installed: run bash Scripts/setup.sh") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/dot")
        p.arguments = ["-Tsvg"]
        let inp = Pipe(), out = Pipe()
        p.standardInput = inp
        p.standardOutput = out
        try p.run()
        inp.fileHandleForWriting.write(Data(dot.stdout.utf8))
        inp.fileHandleForWriting.closeFile()
        let svg = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("upscore8+score"))
    }

    func testDiffShowsThePool3Tap() throws {
        let r = try fcngc("diff", "Models/fcn16s.yaml", "Models/fcn8s.yaml")
        XCTAssertEqual(r.status, 1, r.stderr)   // like diff(1): they differ
        XCTAssertTrue(r.stdout.contains("+ score_pool3 "), r.stdout)
        XCTAssertTrue(r.stdout.contains("score  crop offset 27 -> 31"), r.stdout)
        XCTAssertTrue(r.stdout.contains("parameters") && r.stdout.contains("+5,397 (+<0.01%)"), r.stdout)
    }

    func testCheckReportsEverySpec() throws {
        let r = try fcngc("check", "Models/fcn8s.yaml", "Models/missing.yaml", "Models/fcn4s.yaml")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("Models/fcn8s.yaml: ok") && r.stdout.contains("Models/fcn4s.yaml: ok"), r.stdout)
        XCTAssertTrue(r.stderr.contains("cannot read spec file 'Models/missing.yaml' [file-not-found]"), r.stderr)
    }

    func testRandomWeightsFileGivesTheSameScoresAsInit() throws {
        let dir = try tempDir()
        let w = dir.appendingPathComponent("w.safetensors").path
        XCTAssertEqual(try fcngc("weights", Self.tiny, "--init", "random:5", "-o", w).status, 0)
        let input = Tensor(shape: [1, 3, 23, 19])
        for i in 0..<input.count { input.pointer[i] = Float(i % 17) - 8 }
        let npy = dir.appendingPathComponent("in.npy").path
        try NPY.write(input, to: npy)
        let a = dir.appendingPathComponent("a.npy").path, b = dir.appendingPathComponent("b.npy").path
        XCTAssertEqual(try fcngc("run", Self.tiny, "--init", "random:5", "--tensor", npy, "--scores", a).status, 0)
        XCTAssertEqual(try fcngc("run", Self.tiny, "--weights", w, "--tensor", npy, "--scores", b).status, 0)
        let ta = try NPY.read(path: a), tb = try NPY.read(path: b)
        XCTAssertEqual(ta.shape, [1, 5, 23, 19])
        XCTAssertEqual(ta.toArray(), tb.toArray())
    }

    func testCorruptWeightsAreRefused() throws {
        let dir = try tempDir()
        let w = dir.appendingPathComponent("w.safetensors")
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0x7B]).write(to: w)
        let npy = dir.appendingPathComponent("in.npy").path
        try NPY.write(Tensor(shape: [1, 3, 8, 8]), to: npy)
        let out = dir.appendingPathComponent("s.npy").path
        let r = try fcngc("run", Self.tiny, "--weights", w.path, "--tensor", npy, "--scores", out)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(w.path), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testRunImageWritesPalettePNGAndEvalScoresIt() throws {
        let dir = try tempDir()
        let img = RGBImage(width: 30, height: 22, pixels: (0..<(30 * 22 * 3)).map { UInt8(($0 * 7) % 256) })
        let png = dir.appendingPathComponent("img.png").path
        try Images.writePNG(img, to: png)
        let pred = dir.appendingPathComponent("pred"), gt = dir.appendingPathComponent("gt")
        try FileManager.default.createDirectory(at: gt, withIntermediateDirectories: true)
        let r = try fcngc("run", Self.tiny, "--init", "random:2", "--image", dir.path, "-o", pred.path, "--overlay", dir.appendingPathComponent("ov").path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let labels = try LabelPNG.read(path: pred.appendingPathComponent("img.png").path)
        XCTAssertEqual([labels.width, labels.height], [30, 22])
        XCTAssertTrue(labels.labels.allSatisfy { $0 < 5 })
        // Ground truth = prediction, with one pixel ignored: perfect scores.
        var truth = labels
        truth.labels[0] = 255
        try LabelPNG.write(truth, to: gt.appendingPathComponent("img.png").path)
        let e = try fcngc("eval", pred.path, gt.path, "--classes", "5", "--emit", "json")
        XCTAssertEqual(e.status, 0, e.stderr)
        let s = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(s["pixelAccuracy"] as? Double, 1)
        XCTAssertEqual(s["pixels"] as? Int, 30 * 22 - 1)
    }
}
