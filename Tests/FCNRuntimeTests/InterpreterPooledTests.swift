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
                let exe = try Executable(plan: plan, weights: weights, batch: batch)
                var compared = 0
                exe.observer = { _, step, out in
                    guard let id = step.sources.compactMap({ c.graph.id(named: $0.name) }).max() else { return }
                    let want = reference[id].values, got = out.toArray()
                    XCTAssertEqual(got.count, want.count, step.name)
                    let scale = max(want.map { abs($0) }.max() ?? 0, 1e-30)
                    let err = zip(got, want).map { Double(abs($0 - $1) / scale) }.max() ?? .infinity
                    XCTAssertLessThan(err, 2e-5, "\(mode) at \(size) batch \(batch): step '\(step.name)'")
                    compared += 1
                }
                _ = try exe.run(input.toTensor())
                XCTAssertEqual(compared, plan.steps.count)
            }
        }
    }
}
