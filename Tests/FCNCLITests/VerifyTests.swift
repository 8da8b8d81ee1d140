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
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CI needs .venv (bash Scripts/setup.sh makes it)") }
            throw XCTSkip("no .venv: run bash Scripts/setup.sh for the ONNX Runtime cross-check")
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
