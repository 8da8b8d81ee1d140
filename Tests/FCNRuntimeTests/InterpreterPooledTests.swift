// Convs with a fused 2x2 max pooling (the fuse-pool pass), run: every step against the naive
// graph (the pooled step against its pool layer), on Winograd F(4,3), F(2,3) and GEMM, at odd
// and even sizes (ceil and floor windows past the conv's output), batch 1 and 2.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
@testable import FCNRuntime
import FCNTestSupport

extension InterpreterTests {
    func testPooledConvsMatchNaiveGraph() throws {
        for (size, batch) in [(Pair(45, 53), 1), (Pair(30, 34), 2), (Pair(13, 11), 1)] {
            let c = try compile("pooled.yaml", size)
            let weights = DictionaryWeights.random(for: LowerToSteps.run(c), seed: UInt64(size.h))
            var rng = SplitMix64(seed: UInt64(size.w))
            let plan0 = PlanPipeline.run(c)
            let input = NaiveTensor.random(shape: [batch] + plan0.inputs[0].shape, in: -1...1, using: &rng)
            let reference = NaiveGraph.run(c.graph, inputs: [input]) { weights.tensors[$0]?.toArray() }
            for mode in [ConvAlgorithmPass.Mode.auto, .winogradF2x3, .gemm] {
                var plan = PlanPipeline.run(c, skipping: [ConvAlgorithmPass.name])
                ConvAlgorithmPass.run(&plan, mode: mode)
                let pooled = plan.steps.filter { $0.attributes.maxPool != nil }
                XCTAssertEqual(pooled.map(\.name), ["conv1_2", "conv2"], "\(size)")
                let want: ConvAlgorithm = mode == .auto ? .winogradF4x3 : mode == .gemm ? .im2colGemm : .winogradF2x3
                XCTAssertEqual(pooled.map { $0.attributes.algorithm }, [want, want], "\(mode) at \(size)")
                try compareEveryStep(plan, c, weights: weights, input: input, batch: batch, reference: reference,
                                     "\(mode) at \(size) batch \(batch)")
            }
        }
    }
}
