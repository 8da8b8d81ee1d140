// The memory plan never lets two live values share bytes, over every shipped model and
// many input sizes; reuse actually happens; scratch stays bounded.

import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class PlanMemoryTests: XCTestCase {
    func testNoLiveOverlapAcrossModelsAndSizes() throws {
        var rng = SystemRandomNumberGenerator()
        var sizes = [Pair(1), Pair(7, 300), Pair(32), Pair(63, 64), Pair(227), Pair(500), Pair(501, 333)]
        for _ in 0..<5 { sizes.append(Pair(Int.random(in: 1...700, using: &rng), Int.random(in: 1...700, using: &rng))) }
        for name in PlanFixtures.shippedModels {
            for size in sizes {
                let plan = PlanPipeline.run(try PlanFixtures.compile(name, input: size))
                XCTAssertEqual(VerifyPlan.problems(plan), [], "\(name) at \(size)")
                let m = plan.memory!
                XCTAssertLessThanOrEqual(m.peakLiveBytes, m.arenaBytes + 64 * plan.slots.count, "\(name) \(size)")
                XCTAssertLessThan(m.arenaBytes, m.noReuseBytes, "\(name) \(size): slots must be reused")
                XCTAssertLessThanOrEqual(m.scratchBytes, ScratchRules.budgetBytes + 4 * 4096 * 49 * 1024, "\(name) \(size)")
            }
        }
    }

    func testVerifierCatchesOverlap() throws {
        var plan = PlanPipeline.run(try PlanFixtures.compile("fcn32s", input: Pair(64)))
        // Put every value in slot 0: pool outputs and their conv inputs are then alive together.
        for i in plan.steps.indices { plan.steps[i].slot = 0 }
        plan.slots[0].bytes = plan.slots.map(\.bytes).max()!
        XCTAssertFalse(VerifyPlan.problems(plan).isEmpty)
    }

    func testFCN8sPeakWellBelowNoReuse() throws {
        let m = PlanPipeline.run(try PlanFixtures.compile("fcn8s")).memory!
        XCTAssertLessThan(Double(m.arenaBytes), 0.5 * Double(m.noReuseBytes))
        XCTAssertGreaterThan(m.weightBytes, 500_000_000)
        // im2col tiles within their budget; Winograd chunks (conv-algorithm) within theirs.
        XCTAssertLessThanOrEqual(m.scratchBytes, max(ScratchRules.budgetBytes, ScratchRules.winogradBudgetBytes))
    }

    func testSumsRunInPlace() throws {
        let plan = PlanPipeline.run(try PlanFixtures.compile("fcn8s"))
        let fuse = plan.steps.first { $0.name == "fuse_pool4" }!
        XCTAssertTrue(fuse.inPlace)
        XCTAssertEqual(fuse.slot, fuse.inputs[0].slot)
    }
}
