// The ONNX cross-check as CI runs it: FCN-32s, 16s and 8s (on a 1/16-channel VGG16: every
// layer, stride, pad, crop and upsampler of the shipped models, with weights small enough
// for a debug build) with random weights, one dynamic export each, run by ONNX Runtime at
// two sizes (one odd) and compared with fcngc; and a fault injected into one layer must be
// caught, that layer named, and the report read top-down on stdout with one count.

import Foundation
import XCTest

final class VerifyTests: XCTestCase {
    static let slim = "Tests/FCNRuntimeTests/Fixtures/slim"

    func requireVenv() throws {
        let venv = CLITests.root.appendingPathComponent(".venv/bin/python").path
        if !FileManager.default.isExecutableFile(atPath: venv) {
            // A missing .venv fails, never skips: the set-up (bash Scripts/setup.sh) makes it.
            XCTFail("no .venv: run bash Scripts/setup.sh for the ONNX Runtime cross-check")
            throw NSError(domain: "fcngc-tests", code: 1, userInfo: [NSLocalizedDescriptionKey: "no .venv"])
        }
    }

    func testFCN32s16s8sAgreeWithONNXRuntimeAtTwoSizes() throws {
        try requireVenv()
        for model in ["fcn32s", "fcn16s", "fcn8s"] {
            let r = try CLIProcess.run(["verify", "\(Self.slim)/\(model)-slim.yaml", "--init", "random:11", "--input", "64x64", "--input", "67x45"])
            XCTAssertEqual(r.status, 0, "\(model):\n\(r.stdout)\(r.stderr)")
            XCTAssertEqual(r.stdout.components(separatedBy: "check_model(full_check=True): ok").count - 1, 2, r.stdout)
            XCTAssertEqual(r.stdout.components(separatedBy: "\nOK").count - 1, 2, r.stdout)
            XCTAssertTrue(r.stdout.contains("at 67x45, batch 1: scores [1, 21, 67, 45]"), r.stdout)
            XCTAssertTrue(r.stdout.hasSuffix("verify: OK at 2 of 2 sizes\n"), r.stdout)
        }
    }

    /// The binary and its resource bundle copied elsewhere and run from an empty directory
    /// (no Models/, Scripts/ or .venv there): `verify` uses the script of the copied bundle
    /// (marked here so the output shows which one ran). Without the bundle it stops with a
    /// clear error naming where it looked, and no crash.
    func testCopiedBinaryVerifiesWithItsOwnResources() throws {
        try requireVenv()
        let built = try CLIProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-installed-\(UUID().uuidString)")
        let bin = dir.appendingPathComponent("bin"), work = dir.appendingPathComponent("work")
        for d in [bin, work] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = "fcngc_fcngc.resources"
        try FileManager.default.copyItem(at: built, to: bin.appendingPathComponent("fcngc"))
        try FileManager.default.copyItem(at: built.deletingLastPathComponent().appendingPathComponent(bundle), to: bin.appendingPathComponent(bundle))
        let script = bin.appendingPathComponent("\(bundle)/onnx_verify.py")
        let original = try String(contentsOf: script, encoding: .utf8)
        try original.replacingOccurrences(of: "\nimport ", with: "\nprint('verifier from the copied bundle')\nimport ", options: [], range: original.range(of: "\nimport "))
            .write(to: script, atomically: true, encoding: .utf8)
        let args = ["verify", CLITests.tiny, "--init", "random:3", "--input", "24x20",
                    "--python", CLITests.root.appendingPathComponent(".venv/bin/python").path]

        let r = try CLIProcess.run(binary: bin.appendingPathComponent("fcngc"), args, in: work)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("verifier from the copied bundle"), r.stdout)
        XCTAssertTrue(r.stdout.contains("check_model(full_check=True): ok"), r.stdout)

        try FileManager.default.removeItem(at: bin.appendingPathComponent(bundle))
        let missing = try CLIProcess.run(binary: bin.appendingPathComponent("fcngc"), args, in: work)
        XCTAssertEqual(missing.status, 1, missing.stdout + missing.stderr)
        XCTAssertTrue(missing.stderr.contains("error: \(script.path): not found"), missing.stderr)
        XCTAssertFalse(missing.stdout.contains("check_model"), missing.stdout)
    }

    func testInjectedFaultIsCaughtAndLocated() throws {
        try requireVenv()
        let r = try CLIProcess.run(["verify", "\(Self.slim)/fcn16s-slim.yaml", "--init", "random:1", "--input", "48x40", "--inject-fault", "fuse_pool4"])
        XCTAssertEqual(r.status, 1)
        let out = r.stdout
        XCTAssertTrue(out.contains("first diverging layer: fuse_pool4"), out + r.stderr)
        // One stream: the header is on stdout with the rows, before them; no temporary path.
        XCTAssertTrue(out.hasPrefix("fcngc: \(Self.slim)/fcn16s-slim.yaml at 48x40, batch 1:"), out)
        XCTAssertFalse(out.contains("/tmp") || r.stderr.contains("/tmp"), out + r.stderr)
        // One count: every line above the tolerance is one problem, and the verdict says so.
        let above = out.split(separator: "\n").filter { $0.contains("(ABOVE ") }.count
        XCTAssertGreaterThan(above, 1, out)
        XCTAssertTrue(out.contains("FAILED (\(above) problems: \(above - 1) layers above 0.0001, the scores)"), out)
        // Top-down: the layers in graph order, then the scores, then the verdicts.
        let first = out.range(of: "fuse_pool4: max|diff|")!, scores = out.range(of: "\nscores: max|diff|")!
        XCTAssertLessThan(first.lowerBound, scores.lowerBound, out)
        XCTAssertTrue(out.hasSuffix("verify: FAILED at 1 of 1 size (48x40)\n"), out)
    }
}
