// Golden plan dumps of every shipped model at 500x500 (text table and fusion decisions),
// reviewed once by a person; any change to the compiler's output shows up as a diff here.

import Foundation
import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class PlanGoldenTests: XCTestCase {
    func testShippedModelsMatchGoldenDumps() throws {
        for name in PlanFixtures.shippedModels {
            let plan = PlanPipeline.run(try PlanFixtures.compile(name))
            try PlanFixtures.assertGolden(PlanReport.text(plan), "\(name).plan.txt")
            try PlanFixtures.assertGolden(PlanReport.fusionText(plan), "\(name).fusion.txt")
        }
    }

    func testJSONRoundTripsByteForByte() throws {
        for name in PlanFixtures.shippedModels {
            let json = PlanReport.json(PlanPipeline.run(try PlanFixtures.compile(name, input: Pair(333, 517))))
            let again = PlanReport.json(try PlanReport.decode(json))
            XCTAssertEqual(json, again, name)
        }
    }

    func testJSONHasStableKeys() throws {
        let json = PlanReport.json(PlanPipeline.run(try PlanFixtures.compile("fcn8s")))
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let inputs = obj["inputs"] as! [[String: Any]], outputs = obj["outputs"] as! [[String: Any]]
        XCTAssertEqual(inputs.map { $0["name"] as? String }, ["input"])
        XCTAssertEqual(inputs.first?["shape"] as? [Int], [3, 500, 500])
        XCTAssertEqual((inputs.first?["preprocessing"] as? [String: Any])?["order"] as? String, "bgr")
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["score"])
        XCTAssertEqual(outputs.first?["shape"] as? [Int], [21, 500, 500])
        let layers = obj["layers"] as! [[String: Any]]
        let crop = layers.first { $0["name"] as? String == "score_pool3c" }!
        XCTAssertEqual(crop["offset"] as? [Int], [9, 9])
        XCTAssertEqual(crop["shape"] as? [Int], [21, 70, 70])
        XCTAssertEqual(crop["inputs"] as? [String], ["score_pool3", "like:upscore_pool4"])
        XCTAssertEqual(crop["op"] as? String, "crop")
    }

    /// Recording (FCNGC_RECORD=1) writes the file and fails, asking for a review; the next
    /// run without it passes.
    func testRecordingGoldenFilesFailsUntilReviewed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fcngc-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.plan.txt")
        XCTAssertEqual(try PlanFixtures.goldenMismatch("new\n", url, record: false)?.hasPrefix("missing golden file x.plan.txt"), true)
        let recorded = try PlanFixtures.goldenMismatch("new\n", url, record: true)
        XCTAssertEqual(recorded?.contains("re-recorded: review the diff"), true, recorded ?? "recording passed")
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "new\n")
        XCTAssertNil(try PlanFixtures.goldenMismatch("new\n", url, record: false))
        let changed = try PlanFixtures.goldenMismatch("newer\n", url, record: false)
        XCTAssertEqual(changed?.contains("line 1:\n  - new\n  + newer"), true, changed ?? "a change passed")
    }

    func testDumpIsDeterministic() throws {
        let a = PlanReport.text(PlanPipeline.run(try PlanFixtures.compile("fcn16s")))
        let b = PlanReport.text(PlanPipeline.run(try PlanFixtures.compile("fcn16s")))
        XCTAssertEqual(a, b)
    }
}
