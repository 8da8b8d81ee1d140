// A reviewed plan is the thing that runs: `fcngc compile --emit json -o plan.json`, then
// `fcngc run plan.json` gives exactly the scores of running the spec; a plan for another size,
// an old format or a damaged file is refused with the file named and nothing written.

import Foundation
import XCTest
import FCNRuntime
import FCNPlan

final class SavedPlanTests: XCTestCase {

    func testSavedPlanRunsExactlyAsTheSpec() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.json").path
        XCTAssertEqual(try fcngc("compile", CLITests.tiny, "--input", "23x19", "--emit", "json", "-o", plan).status, 0)
        let input = Tensor(shape: [1, 3, 23, 19])
        for i in 0..<input.count { input.pointer[i] = Float(i % 13) - 6 }
        let npy = dir.appendingPathComponent("in.npy").path
        try NPY.write(input, to: npy)
        let fromSpec = dir.appendingPathComponent("spec.npy").path, fromPlan = dir.appendingPathComponent("plan.npy").path
        XCTAssertEqual(try fcngc("run", CLITests.tiny, "--init", "random:3", "--tensor", npy, "--scores", fromSpec).status, 0)
        let r = try fcngc("run", plan, "--init", "random:3", "--tensor", npy, "--scores", fromPlan)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: fromPlan)), try Data(contentsOf: URL(fileURLWithPath: fromSpec)))

        // Another input size: the plan says which size it was compiled for.
        let other = Tensor(shape: [1, 3, 24, 19])
        let npy2 = dir.appendingPathComponent("in2.npy").path
        try NPY.write(other, to: npy2)
        let out = dir.appendingPathComponent("out.npy").path
        let wrong = try fcngc("run", plan, "--init", "random:3", "--tensor", npy2, "--scores", out)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("plan.json: this plan was compiled for 23x19 inputs; the input is 24x19"), wrong.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        // A damaged plan: a kernel changed by hand no longer matches the shapes it claims.
        var text = try String(contentsOfFile: plan, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"version\" : 5", with: "\"version\" : 2")
        let old = dir.appendingPathComponent("old.json").path
        try text.write(toFile: old, atomically: true, encoding: .utf8)
        let refused = try fcngc("run", old, "--init", "random:3", "--tensor", npy, "--scores", out)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("old.json: plan format version 2; this fcngc reads version 5"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testPrintAfterShowsTheGraphAndThePlan() throws {
        let r = try fcngc("compile", "Models/fcn16s.yaml", "--input", "64x64", "--print-after", "infer-crop-offsets",
                          "--print-after", "crop-as-window", "-o", "/dev/null")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("*** after infer-crop-offsets ***"))
        XCTAssertTrue(r.stderr.contains("x/32 - 0.390625"), "score_fr's map")
        XCTAssertTrue(r.stderr.contains("*** after crop-as-window ***\nfcngc-plan 5"))
        XCTAssertFalse(r.stderr.contains("*** after infer-shapes ***"))
        let bad = try fcngc("compile", "Models/fcn16s.yaml", "--print-after", "fuse")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--print-after takes one of build-graph"), bad.stderr)
    }
}
