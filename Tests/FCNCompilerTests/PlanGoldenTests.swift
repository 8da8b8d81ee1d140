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
            XCTAssertFalse(json.contains("/work/"), "no absolute paths in \(name)")
        }
    }

    func testJSONHasStableKeys() throws {
        let json = PlanReport.json(PlanPipeline.run(try PlanFixtures.compile("fcn8s")))
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        XCTAssertEqual(obj["input"] as? [Int], [3, 500, 500])
        let layers = obj["layers"] as! [[String: Any]]
        let crop = layers.first { $0["name"] as? String == "score_pool3c" }!
        XCTAssertEqual(crop["offset"] as? [Int], [9, 9])
        XCTAssertEqual(crop["shape"] as? [Int], [21, 70, 70])
        XCTAssertEqual(crop["inputs"] as? [String], ["score_pool3", "like:upscore_pool4"])
        XCTAssertEqual(crop["op"] as? String, "crop")
    }

    func testDumpIsDeterministic() throws {
        let a = PlanReport.text(PlanPipeline.run(try PlanFixtures.compile("fcn16s")))
        let b = PlanReport.text(PlanPipeline.run(try PlanFixtures.compile("fcn16s")))
        XCTAssertEqual(a, b)
    }
}
