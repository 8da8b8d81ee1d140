// The FCN-ResNet layer kinds against ONNX Runtime: batch norm (folded into its conv, and as a
// step of its own), relu(x + f(x)), dilation, floor-rounded padded pooling, concat and a sum with
// coefficients, exported as BatchNormalization, Concat and Mul/Add, at two sizes (one odd).

import Foundation
import XCTest

final class VerifyNewOpsTests: XCTestCase {
    func testResidualFixtureAgreesWithONNXRuntime() throws {
        let venv = CLITests.root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: venv) else {
            return XCTFail("the ONNX Runtime cross-check needs .venv: run bash Scripts/setup.sh")
        }
        let spec = CLITests.root.appendingPathComponent("Tests/FCNRuntimeTests/Fixtures/residual.yaml").path
        let r = try CLIProcess.run(["verify", spec, "--init", "random:2", "--input", "19x23", "--input", "8x5"])
        let out = r.stdout + r.stderr
        XCTAssertEqual(r.status, 0, out)
        XCTAssertEqual(out.components(separatedBy: "\nOK").count - 1, 2, out)
        XCTAssertTrue(out.contains("pool_bn: max|diff|"), out)
    }
}
