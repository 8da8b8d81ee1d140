// Prepared weights: GEMM convolutions keep only their packed weights, and a store built for one
// executable (`dropsPreparedTensors`, as `fcngc run` uses it) lets the plain tensors go without
// changing the result. Executables built from one store share one packed or transformed copy of
// each tensor (PreparedFormCache), held only while some executable uses it.

import XCTest
import Foundation
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

    /// tiny-fcn with Winograd where the shape allows (conv1) and GEMM elsewhere (grouped conv2,
    /// dilated conv3, fc, the score convs).
    private func mixedPlan(_ size: Pair) throws -> Plan {
        var plan = PlanPipeline.run(try compile("tiny-fcn.yaml", size), skipping: [ConvAlgorithmPass.name])
        ConvAlgorithmPass.run(&plan, mode: .winograd)
        return plan
    }

    /// Each conv's prepared form, by weight tensor name: its identity (not a reference, which
    /// would keep it alive) and whether it is Winograd.
    private func forms(_ exe: Executable) -> [String: (id: ObjectIdentifier, winograd: Bool)] {
        var out: [String: (id: ObjectIdentifier, winograd: Bool)] = [:]
        for (step, w) in zip(exe.plan.steps, exe.weights) where step.kind == .conv {
            let name = step.weights.first { $0.role == .weight }!.name
            if let form = (w.winograd as AnyObject?) ?? (w.packedConv as AnyObject?) {
                out[name] = (ObjectIdentifier(form), w.winograd != nil)
            }
        }
        return out
    }

    func testExecutablesOfOneStoreAtTwoSizesShareEachPackedAndTransformedTensor() throws {
        XCTAssertFalse(Kernels.gemmUsesOpenBLAS, "this test needs fcngc's own GEMM (FCNGC_GEMM unset)")
        let small = try mixedPlan(Pair(29, 31)), large = try mixedPlan(Pair(45, 38))
        let store = WeightStore.random(for: small, seed: 5)
        var rng = SplitMix64(seed: 6)
        let x1 = NaiveTensor.random(shape: [1] + small.input, using: &rng).toTensor()
        let x2 = NaiveTensor.random(shape: [1] + large.input, using: &rng).toTensor()
        var a: Executable? = try Executable(plan: small, weights: store)
        var b: Executable? = try Executable(plan: large, weights: store)
        let fa = forms(a!), fb = forms(b!)
        XCTAssertTrue(fa.values.contains { $0.winograd }, "no Winograd conv in the plan")
        XCTAssertTrue(fa.values.contains { !$0.winograd }, "no packed GEMM conv in the plan")
        XCTAssertEqual(Set(fa.keys), Set(fb.keys))
        XCTAssertEqual(fa.count, small.steps.filter { $0.kind == .conv }.count, "a conv keeps plain weights")
        for (name, form) in fa { XCTAssertEqual(form.id, fb[name]?.id, "\(name) is prepared twice") }
        XCTAssertEqual(store.preparedForms.liveCount, fa.count)

        // The same numbers as executables with stores of their own.
        let own1 = try Executable(plan: small, weights: WeightStore.random(for: small, seed: 5))
        let own2 = try Executable(plan: large, weights: WeightStore.random(for: small, seed: 5))
        XCTAssertEqual(try a!.run(x1).toArray(), try own1.run(x1).toArray())
        XCTAssertEqual(try b!.run(x2).toArray(), try own2.run(x2).toArray())
        let ids = Set(fa.values.map(\.id))
        XCTAssertFalse(forms(own1).values.contains { ids.contains($0.id) }, "two stores share forms")

        // A form lives while some executable holds it, and is made again after.
        a = nil
        XCTAssertEqual(store.preparedForms.liveCount, fa.count, "b still holds every form")
        b = nil
        XCTAssertEqual(store.preparedForms.liveCount, 0, "forms outlive their executables")
        let c = try Executable(plan: small, weights: store)
        XCTAssertEqual(try c.run(x1).toArray(), try own1.run(x1).toArray())
        XCTAssertEqual(store.preparedForms.liveCount, fa.count)
    }

    func testADroppingStoreBuildsASecondExecutableFromItsSharedForms() throws {
        let small = try mixedPlan(Pair(29, 31)), large = try mixedPlan(Pair(45, 38))
        let store = WeightStore.random(for: small, seed: 7)
        store.dropsPreparedTensors = true
        let a = try Executable(plan: small, weights: store)
        let dropped = small.steps.filter { $0.kind == .conv }.map { $0.weights.first { $0.role == .weight }!.name }
        for name in dropped { XCTAssertNil(store[name], "\(name) kept") }
        let b = try Executable(plan: large, weights: store)
        var rng = SplitMix64(seed: 8)
        let x = NaiveTensor.random(shape: [1] + large.input, using: &rng).toTensor()
        let own = try Executable(plan: large, weights: WeightStore.random(for: small, seed: 7))
        XCTAssertEqual(try b.run(x).toArray(), try own.run(x).toArray())
        XCTAssertEqual(forms(a).count, forms(b).count)
        // Writing a store that let tensors go is an error, not a crash.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dropped-\(UUID().uuidString).safetensors").path
        XCTAssertThrowsError(try store.write(to: path)) { error in
            XCTAssertTrue("\(error)".contains("dropped once packed"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testReplacingATensorForgetsTheFormsMadeFromTheOldOne() throws {
        let plan = try mixedPlan(Pair(29, 31))
        let store = WeightStore.random(for: plan, seed: 9)
        let a = try Executable(plan: plan, weights: store)
        let conv1 = try XCTUnwrap(plan.steps.first { $0.name == "conv1" })
        let name = try XCTUnwrap(conv1.weights.first { $0.role == .weight }?.name)
        let old = try XCTUnwrap(store[name])
        let doubled = Tensor(shape: old.shape, values: old.toArray().map { $0 * 2 })
        store.set(name, doubled)
        let b = try Executable(plan: plan, weights: store)
        XCTAssertNotNil(forms(a)[name])
        XCTAssertNotEqual(forms(a)[name]?.id, forms(b)[name]?.id, "a replaced tensor's old form was reused")
        let fresh = WeightStore.random(for: plan, seed: 9)
        fresh.set(name, doubled)
        var rng = SplitMix64(seed: 10)
        let x = NaiveTensor.random(shape: [1] + plan.input, using: &rng).toTensor()
        XCTAssertEqual(try b.run(x).toArray(), try Executable(plan: plan, weights: fresh).run(x).toArray())
    }
}
