// The ONNX cross-check as CI runs it: FCN-32s, 16s and 8s with random weights, one dynamic
// export each, run by ONNX Runtime at two sizes (one odd) and compared with fcngc; and a
// fault injected into one layer must be caught and that layer named.

import Foundation
import XCTest

final class VerifyTests: XCTestCase {
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
            let r = try CLIProcess.run(["verify", "Models/\(model).yaml", "--init", "random:11", "--input", "64x64", "--input", "67x45"])
            let out = r.stdout + r.stderr
            XCTAssertEqual(r.status, 0, "\(model):\n\(out)")
            XCTAssertEqual(out.components(separatedBy: "check_model(full_check=True): ok").count - 1, 2, out)
            XCTAssertEqual(out.components(separatedBy: "\nOK").count - 1, 2, out)
            XCTAssertTrue(out.contains("at 67x45, batch 1: scores [1, 21, 67, 45]"), out)
        }
    }

    func testInjectedFaultIsCaughtAndLocated() throws {
        try requireVenv()
        let r = try CLIProcess.run(["verify", "Models/fcn16s.yaml", "--init", "random:1", "--input", "48x40", "--inject-fault", "fuse_pool4"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("first diverging layer: fuse_pool4"), r.stdout + r.stderr)
    }
}
