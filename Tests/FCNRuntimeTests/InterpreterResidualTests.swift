// Convs that add a fused residual sum (the fuse-residual pass), run: every step against the
// naive graph (the fused step against its sum or ReLU layer) and the outputs against the same
// plan unfused, on GEMM in every conv-algorithm mode, at odd and even sizes, batch 1 and 2.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
@testable import FCNRuntime
import FCNTestSupport

extension InterpreterTests {
    func testResidualConvsMatchNaiveGraphAndTheUnfusedPlan() throws {
        for (size, batch) in [(Pair(19, 23), 1), (Pair(16, 10), 2), (Pair(1, 1), 1)] {
            let c = try compile("bottleneck.yaml", size)
            let weights = DictionaryWeights.random(for: LowerToSteps.run(c), seed: UInt64(size.h * 7 + size.w))
            var rng = SplitMix64(seed: UInt64(size.w * 3 + size.h))
            let input = NaiveTensor.random(shape: [batch, 3, size.h, size.w], in: -1...1, using: &rng)
            let reference = NaiveGraph.run(c.graph, inputs: [input]) { weights.tensors[$0]?.toArray() }
            let unfused = PlanPipeline.run(c, skipping: [FuseResidualPass.name])
            let want = try Executable(plan: unfused, weights: weights, batch: batch).run(input.toTensor()).toArray()
            for mode in ConvAlgorithmPass.Mode.allCases {
                var plan = PlanPipeline.run(c, skipping: [ConvAlgorithmPass.name])
                ConvAlgorithmPass.run(&plan, mode: mode)
                let fused = plan.steps.filter { $0.attributes.residual != nil }
                XCTAssertEqual(fused.map(\.name), ["a_down", "b_conv3", "c_conv", "e_side", "g_conv2"], "\(size)")
                XCTAssertFalse(fused.contains { $0.attributes.algorithm?.isWinograd ?? true }, "\(mode)")
                let context = "\(mode) at \(size) batch \(batch)"
                try compareEveryStep(plan, c, weights: weights, input: input, batch: batch, reference: reference, context)
                let got = try Executable(plan: plan, weights: weights, batch: batch).run(input.toTensor()).toArray()
                let scale = max(want.map { abs($0) }.max() ?? 0, 1e-30)
                let err = zip(got, want).map { abs($0 - $1) / scale }.max() ?? .infinity
                XCTAssertLessThan(err, 2e-5, "\(context): against the unfused plan")
            }
        }
    }
}
