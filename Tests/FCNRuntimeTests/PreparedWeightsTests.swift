// Prepared weights: GEMM convolutions keep only their packed weights, and a store built for one
// executable (`dropsPreparedTensors`, as `fcngc run` uses it) lets the plain tensors go without
// changing the result.

import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
@testable import FCNRuntime
import FCNTestSupport

extension InterpreterTests {
    func testGemmConvsKeepOnlyPackedWeightsAndADroppingStoreGivesTheSameOutput() throws {
        let plan = PlanPipeline.run(try compile("tiny-fcn.yaml", Pair(29, 31)))
        let keeping = WeightStore.random(for: plan, seed: 5), dropping = WeightStore.random(for: plan, seed: 5)
        dropping.dropsPreparedTensors = true
        var rng = SplitMix64(seed: 6)
        let input = NaiveTensor.random(shape: [1] + plan.input, using: &rng).toTensor()
        let a = try Executable(plan: plan, weights: keeping)
        let b = try Executable(plan: plan, weights: dropping)
        XCTAssertEqual(try a.run(input).toArray(), try b.run(input).toArray())

        let convs = plan.steps.filter { $0.kind == .conv }
        XCTAssertFalse(convs.isEmpty)
        for (step, w) in zip(plan.steps, b.weights) where step.kind == .conv {
            let name = try XCTUnwrap(step.weights.first { $0.role == .weight }?.name)
            XCTAssertNil(w.weight, "\(step.name) keeps its plain weights")
            XCTAssertTrue(w.packedConv != nil || w.winograd != nil, step.name)
            XCTAssertNil(dropping[name], "\(name) still in the dropping store")
            XCTAssertNotNil(keeping[name], "\(name) dropped from a store that keeps its tensors")
        }
        // Deconvolutions are not packed: their weights stay in both stores.
        for step in plan.steps where step.kind == .deconv {
            for ref in step.weights { XCTAssertNotNil(dropping[ref.name], ref.name) }
        }
    }
}
