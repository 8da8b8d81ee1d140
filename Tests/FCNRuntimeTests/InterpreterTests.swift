// The interpreter runs fused, windowed, memory-planned plans; the naive graph evaluator
// runs the spec as written. They must agree on the same weights — at every step, not only
// at the output — for small networks that use every layer kind, at several sizes and batches.

import Foundation
import XCTest
import FCNSpec
import FCNCompiler
import FCNPlan
@testable import FCNRuntime
import FCNTestSupport

struct DictionaryWeights: WeightSource {
    var tensors: [String: Tensor]
    func tensor(named name: String) -> Tensor? { tensors[name] }

    /// Uniform values in [-0.5, 0.5] for every tensor the plan expects (a batch norm's variance in [0.5, 1]).
    static func random(for plan: Plan, seed: UInt64) -> DictionaryWeights {
        var rng = SplitMix64(seed: seed)
        var out: [String: Tensor] = [:]
        for ref in plan.steps.flatMap(\.weights) {
            out[ref.name] = NaiveTensor.random(shape: [1, 1, 1, ref.shape.reduce(1, *)], in: ref.role == .runningVar ? 0.5...1 : -0.5...0.5,
                                               using: &rng).toTensor()
        }
        return DictionaryWeights(tensors: out.mapValues { Tensor(shape: [$0.count], values: $0.toArray()) })
            .reshaped(plan)
    }

    func reshaped(_ plan: Plan) -> DictionaryWeights {
        var out: [String: Tensor] = [:]
        for ref in plan.steps.flatMap(\.weights) { out[ref.name] = Tensor(shape: ref.shape, values: tensors[ref.name]!.toArray()) }
        return DictionaryWeights(tensors: out)
    }
}

final class InterpreterTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func compile(_ name: String, _ size: Pair) throws -> Compilation {
        let d = Diagnostics()
        var options = CompileOptions(input: size)
        options.sizeLimit = 64
        let c = Pipeline.compile(Self.fixtures.appendingPathComponent(name).path, options: options, diagnostics: d)
        XCTAssertFalse(d.hasErrors, DiagnosticPrinter(colour: false).render(d.all))
        return try XCTUnwrap(c)
    }

    /// Runs `plan` on `input` and compares every step's output with the reference value of the
    /// layer it stands for (its last source in graph order), within 2e-5 of that value's largest
    /// magnitude; returns the worst such error.
    @discardableResult
    func compareEveryStep(_ plan: Plan, _ c: Compilation, weights: DictionaryWeights, input: NaiveTensor, batch: Int,
                          reference: [NaiveTensor], _ context: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        let exe = try Executable(plan: plan, weights: weights, batch: batch)
        var compared = 0, worst = 0.0
        exe.observer = { _, step, out in
            guard let id = step.sources.compactMap({ c.graph.id(named: $0.name) }).max() else { return }
            let want = reference[id].values, got = out.toArray()
            XCTAssertEqual(got.count, want.count, step.name, file: file, line: line)
            let scale = max(want.map { abs($0) }.max() ?? 0, 1e-30)
            let err = zip(got, want).map { Double(abs($0 - $1) / scale) }.max() ?? .infinity
            XCTAssertLessThan(err, 2e-5, "\(context): step '\(step.name)'", file: file, line: line)
            worst = max(worst, err)
            compared += 1
        }
        _ = try exe.run(input.toTensor())
        XCTAssertEqual(compared, plan.steps.count, file: file, line: line)
        return worst
    }

    /// Runs the plan and the naive graph; compares every step's output with the layer it stands for.
    func check(_ name: String, _ size: Pair, batch: Int, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try compile(name, size)
        let plan = PlanPipeline.run(c)
        // Weights for every layer (the naive graph also runs layers the plan drops as dead).
        let weights = DictionaryWeights.random(for: LowerToSteps.run(c), seed: seed)
        var rng = SplitMix64(seed: seed &+ 1)
        let inputs = plan.inputs.map { NaiveTensor.random(shape: [batch] + $0.shape, in: -1...1, using: &rng) }
        let reference = NaiveGraph.run(c.graph, inputs: inputs) { weights.tensors[$0]?.toArray() }
        let exe = try Executable(plan: plan, weights: weights, batch: batch)
        var compared = 0
        exe.observer = { _, step, out in
            // The step's output is the value of its source that comes last in graph order.
            let ids = step.sources.compactMap { s in c.graph.id(named: s.name) }
            guard let id = ids.max() else { return XCTFail("no source for \(step.name)", file: file, line: line) }
            let expected = reference[id]
            XCTAssertEqual(out.shape, expected.shape, "\(name) \(step.name)", file: file, line: line)
            guard out.shape == expected.shape else { return }
            let err = maxRelativeError(out.toArray(), expected.values)
            XCTAssertLessThan(err, 1e-4, "\(name) at \(size) batch \(batch): step '\(step.sources.map(\.name).joined(separator: "+"))'", file: file, line: line)
            compared += 1
        }
        let outs = try exe.run(inputs: inputs.map { $0.toTensor() })
        XCTAssertEqual(compared, plan.steps.count, file: file, line: line)
        XCTAssertEqual(outs.count, c.graph.outputs.count, file: file, line: line)
        for (out, id) in zip(outs, c.graph.outputs) {
            XCTAssertEqual(out.shape, reference[id].shape, "\(name): output '\(c.graph[id].name)'", file: file, line: line)
            XCTAssertLessThan(maxRelativeError(out.toArray(), reference[id].values), 1e-4, "\(name): output '\(c.graph[id].name)'", file: file, line: line)
        }
    }

    func testTinyFCNMatchesNaiveGraph() throws {
        for (size, batch) in [(Pair(37, 41), 1), (Pair(16, 9), 2), (Pair(1, 1), 1), (Pair(50, 33), 1)] {
            try check("tiny-fcn.yaml", size, batch: batch, seed: UInt64(size.h * 1000 + size.w))
        }
    }

    /// 7x7 convs on Winograd F(2,7) (per-run weight transform, bias, ReLU, a folded batch norm)
    /// inside a network, against the naive graph and the same plan on im2col GEMM, at sizes from
    /// one partial tile up, batch 2. Measured against the largest magnitude of each step's output
    /// (as `fcngc verify` measures scores): F(2,7)'s rounding, relative to single outputs, is
    /// larger than the other kernels' where a sum of 40·49 terms cancels (up to 3e-4 seen here).
    func testSevenBySevenWinogradNetworkMatchesNaiveGraph() throws {
        for (size, batch) in [(Pair(30, 34), 1), (Pair(23, 27), 2), (Pair(12, 12), 1)] {
            let c = try compile("seven.yaml", size)
            let weights = DictionaryWeights.random(for: LowerToSteps.run(c), seed: UInt64(size.h))
            var rng = SplitMix64(seed: UInt64(size.w))
            let plan0 = PlanPipeline.run(c)
            let input = NaiveTensor.random(shape: [batch] + plan0.inputs[0].shape, in: -1...1, using: &rng)
            let reference = NaiveGraph.run(c.graph, inputs: [input]) { weights.tensors[$0]?.toArray() }
            var worst: [ConvAlgorithmPass.Mode: Double] = [:]
            for mode in [ConvAlgorithmPass.Mode.auto, .gemm] {
                var plan = PlanPipeline.run(c, skipping: [ConvAlgorithmPass.name])
                ConvAlgorithmPass.run(&plan, mode: mode)
                let sevens = plan.steps.filter { $0.attributes.geometry?.kernel == [7, 7] }.map { $0.attributes.algorithm }
                // At 12x12, fc6b's 4x4 output is too small for F(2,7) to pay: GEMM beside Winograd.
                let small = size == Pair(12, 12)
                XCTAssertEqual(sevens, mode == .auto ? [.winogradF2x7, small ? .im2colGemm : .winogradF2x7] : [.im2colGemm, .im2colGemm], "\(size)")
                worst[mode] = try compareEveryStep(plan, c, weights: weights, input: input, batch: batch, reference: reference,
                                                   "\(mode) at \(size) batch \(batch)")
            }
            XCTAssertGreaterThan(worst[.auto] ?? 0, 0, "the Winograd plan computed something different from GEMM's")
        }
    }

    func testResidualNetworkMatchesNaiveGraph() throws {
        for (size, batch) in [(Pair(19, 23), 1), (Pair(8, 5), 2), (Pair(1, 1), 1)] {
            try check("residual.yaml", size, batch: batch, seed: UInt64(size.h * 100 + size.w))
        }
        let plan = PlanPipeline.run(try compile("residual.yaml", Pair(19, 23)))
        let step = { (name: String) in plan.steps.first { $0.name == name } }
        XCTAssertEqual(step("conv1")?.sources.map(\.name), ["conv1", "bn1", "relu1"], "batch norm folded, ReLU fused")
        XCTAssertEqual(step("conv1")?.attributes.batchNorm, FoldedBatchNorm(layer: "bn1", eps: 1e-5))
        XCTAssertEqual(step("b_conv2")?.sources.map(\.name), ["b_conv2", "b_bn2", "b_add", "b_relu"], "relu(x + f(x)) in the conv")
        XCTAssertEqual(step("b_conv2")?.attributes.relu, true)
        XCTAssertEqual(step("b_conv2")?.attributes.residual?.value, step("conv1")?.value)
        XCTAssertEqual(step("pool_bn")?.kind, .batchnorm, "a batch norm after a pool stays a step")
        XCTAssertEqual(step("fuse")?.attributes.coefficients, [0.5, 0.25])
        XCTAssertTrue(plan.fusion.contains { $0.pass == "fold-batchnorm" && $0.layers == ["pool_bn"] && !$0.fused })
    }

    /// Three named inputs, one backbone file as two streams (a suffix and a prefix), a concat of
    /// two inputs, a sum with coefficients, two outputs: every step and both outputs agree.
    func testSeveralInputsAndOutputsMatchNaiveGraph() throws {
        for (size, batch) in [(Pair(20, 30), 1), (Pair(7, 9), 2), (Pair(2, 3), 1)] {
            try check("multi-io.yaml", size, batch: batch, seed: UInt64(size.h * 10 + size.w))
        }
        let plan = PlanPipeline.run(try compile("multi-io.yaml", Pair(20, 30)))
        XCTAssertEqual(plan.inputs.map(\.name), ["color", "hha", "depth"])
        XCTAssertEqual(plan.inputs.map(\.value), [0, 1, 2])
        XCTAssertEqual(plan.inputs.map(\.shape), [[3, 20, 30], [3, 20, 30], [1, 20, 30]])
        XCTAssertEqual(plan.inputs[2].preprocessing, Plan.Preprocessing(order: "rgb", mean: [0.5], scale: 1, std: [2]))
        XCTAssertEqual(plan.outputs.map(\.name), ["sem", "geo"])
        XCTAssertEqual(plan.outputs.map(\.shape), [[4, 20, 30], [2, 20, 30]])
        XCTAssertTrue(plan.steps.contains { $0.name == "hha.conv1" } && plan.steps.contains { $0.name == "conv1_color" },
                      "one backbone file, two streams named by prefix and suffix")
        XCTAssertEqual(plan.steps.first { $0.name == "hha.conv1" }?.weights.map(\.name), ["hha.conv1.weight", "hha.conv1.bias"])
        // Both outputs stay dense and alive to the end: neither is run in place over or freed.
        let last = plan.steps.count
        XCTAssertEqual(Liveness.lastUse(plan)[plan.outputs[0].value], last)
        XCTAssertEqual(Liveness.lastUse(plan)[plan.outputs[1].value], last)
        XCTAssertEqual(VerifyPlan.problems(plan, forRunning: true), [])
    }

    func testDeadBranchIsNotComputed() throws {
        let plan = PlanPipeline.run(try compile("tiny-graph.yaml", Pair(20)))
        XCTAssertFalse(plan.steps.contains { $0.name == "dead" })
        XCTAssertTrue(plan.fusion.contains { $0.pass == "drop-dead-steps" && $0.layers == ["dead"] })
        XCTAssertTrue(plan.steps.contains { $0.name == "mid" && $0.kind == .crop }, "a crop read by a conv is copied")
    }

    func testExplicitGraphMatchesNaiveGraph() throws {
        for (size, batch) in [(Pair(37, 41), 2), (Pair(8, 13), 1)] {
            try check("tiny-graph.yaml", size, batch: batch, seed: 7)
        }
    }

    func testUnfusedPlanGivesTheSameOutput() throws {
        let c = try compile("tiny-fcn.yaml", Pair(29, 31))
        let fused = PlanPipeline.run(c)
        let unfused = PlanPipeline.run(c, skipping: Set(PlanPipeline.passes.map(\.name)).subtracting([PlanMemoryPass.name]))
        XCTAssertGreaterThan(unfused.steps.count, fused.steps.count)
        let weights = DictionaryWeights.random(for: unfused, seed: 3)
        var rng = SplitMix64(seed: 4)
        let input = NaiveTensor.random(shape: [1] + fused.input, using: &rng).toTensor()
        let a = try Executable(plan: fused, weights: weights).run(input)
        let b = try Executable(plan: unfused, weights: weights).run(input)
        XCTAssertLessThan(maxRelativeError(a.toArray(), b.toArray()), 1e-5)
    }

    /// A run copies its output into the tensor the last run returned once the caller has let go
    /// of it (no new allocation, no page faults); a tensor the caller still holds is never written.
    func testOutputTensorsAreReusedOnlyWhenReleased() throws {
        let plan = PlanPipeline.run(try compile("tiny-fcn.yaml", Pair(29, 31)))
        let exe = try Executable(plan: plan, weights: DictionaryWeights.random(for: plan, seed: 5))
        var rng = SplitMix64(seed: 6)
        let x1 = NaiveTensor.random(shape: [1] + plan.input, using: &rng).toTensor()
        let x2 = NaiveTensor.random(shape: [1] + plan.input, using: &rng).toTensor()
        let held = try exe.run(x1)
        let kept = held.toArray()
        let second = try exe.run(x2)
        XCTAssertNotEqual(held.pointer, second.pointer, "a held output was reused")
        XCTAssertEqual(held.toArray(), kept, "a held output was overwritten")
        XCTAssertNotEqual(second.toArray(), kept, "the two inputs gave the same output")
        let expected = second.toArray(), address = second.pointer
        _ = consume second
        let third = try exe.run(x2)
        XCTAssertEqual(third.pointer, address, "a released output was not reused")
        XCTAssertEqual(third.toArray(), expected)
        XCTAssertEqual(try exe.run(x1).toArray(), kept)
    }

    func testFixedUpsamplerTensorsInAFileMustBeBilinear() throws {
        let plan = PlanPipeline.run(try compile("tiny-fcn.yaml", Pair(20)))
        let table = plan.fixedUpsamplerTable
        XCTAssertEqual(table.map(\.name), ["upscore2.weight", "upscore_pool1.weight"])
        let store = WeightStore.random(for: plan, seed: 1)
        for ref in table {
            store.set(ref.name, Tensor(shape: ref.shape, values: Kernels.bilinearWeights(kernelH: ref.shape[2], kernelW: ref.shape[3], channels: ref.shape[0])))
        }
        XCTAssertNoThrow(try WeightChecks.checkFixedUpsamplers(plan, store, file: "w.safetensors"))
        let bad = Tensor(shape: table[1].shape, values: Kernels.bilinearWeights(kernelH: 4, kernelW: 4, channels: 5).map { $0 * 2 })
        store.set(table[1].name, bad)
        XCTAssertThrowsError(try WeightChecks.checkFixedUpsamplers(plan, store, file: "w.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("'upscore_pool1.weight' differs from the fixed bilinear kernel"), "\(e)")
        }
        // The learned upsampler (learn: true, init: bilinear by default) starts bilinear under --init random.
        let learned = try XCTUnwrap(store["upscore_pool2.weight"])
        XCTAssertEqual(learned.toArray(), Kernels.bilinearWeights(kernelH: 4, kernelW: 4, channels: 5))
    }

    func testMissingAndMisshapenWeightsAreErrorsNotCrashes() throws {
        let plan = PlanPipeline.run(try compile("tiny-fcn.yaml", Pair(20)))
        XCTAssertThrowsError(try Executable(plan: plan, weights: DictionaryWeights(tensors: [:]))) { e in
            XCTAssertTrue("\(e)".contains("conv1.weight"), "\(e)")
        }
        var w = DictionaryWeights.random(for: plan, seed: 1)
        w.tensors["conv2.weight"] = Tensor(shape: [8, 6, 3, 3])
        XCTAssertThrowsError(try Executable(plan: plan, weights: w)) { e in XCTAssertTrue("\(e)".contains("conv2.weight"), "\(e)") }
        let exe = try Executable(plan: plan, weights: DictionaryWeights.random(for: plan, seed: 1))
        XCTAssertThrowsError(try exe.run(Tensor(shape: [1, 3, 21, 20])))
    }
}
