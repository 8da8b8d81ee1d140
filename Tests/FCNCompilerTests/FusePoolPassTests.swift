// The fuse-pool pass, before and after: which 2x2 max pools become their conv's `maxPool`,
// why the others stay steps, the shapes, scratch and memory that follow, and the plan checks
// that refuse a pooling no kernel computes.

import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class FusePoolPassTests: XCTestCase {
    static let fixture = PlanFixtures.root.appendingPathComponent("Tests/FCNRuntimeTests/Fixtures/pooled.yaml").path

    func plan(_ size: Pair, skipping: Set<String> = []) throws -> Plan {
        PlanPipeline.run(try PlanFixtures.compile(path: Self.fixture, input: size), skipping: skipping)
    }

    func testFusesOnlyWholeOutputsOfWinogradConvs() throws {
        let p = try plan(Pair(45, 53))
        let step = { (name: String) in p.steps.first { $0.name == name } }
        XCTAssertEqual(step("conv1_2")?.sources.map(\.name), ["conv1_2", "relu1_2", "pool1"])
        XCTAssertEqual(step("conv1_2")?.attributes.maxPool, FusedMaxPool(rounding: .ceil))
        XCTAssertEqual(step("conv1_2")?.shape, [18, 23, 27], "ceil(45/2) x ceil(53/2)")
        XCTAssertEqual(step("conv1_2")?.convOutputShape, [18, 45, 53])
        XCTAssertEqual(step("conv2")?.attributes.maxPool, FusedMaxPool(rounding: .floor))
        XCTAssertEqual(step("conv2")?.shape, [20, 11, 13], "floor(23/2) x floor(27/2)")
        XCTAssertEqual(step("conv3")?.attributes.maxPool, nil, "dilated")
        XCTAssertEqual(step("conv4")?.attributes.maxPool, nil, "read by two pools")
        XCTAssertEqual(step("conv5")?.attributes.maxPool, nil, "3x3 pool")
        XCTAssertEqual(p.steps.filter { $0.kind == .pool }.map(\.name), ["pool3", "pool4", "pool4b", "pool5"])
        XCTAssertEqual(step("conv2")?.inputs[0].shape, [18, 23, 27], "the next conv reads the pooled output")
        let decisions = p.fusion.filter { $0.pass == FusePoolPass.name }
        XCTAssertEqual(decisions.map(\.fused), [true, true, false, false, false])
        XCTAssertTrue(decisions[2].reason.contains("not a 3x3 stride-1 undilated"), decisions[2].reason)
        XCTAssertTrue(decisions[3].reason.contains("other consumers"), decisions[3].reason)
        XCTAssertTrue(VerifyPlan.problems(p).isEmpty, "\(VerifyPlan.problems(p))")
        XCTAssertTrue(PlanReport.text(p).contains("conv+relu+maxpool"))
        // The MACs are the conv's; the pooled step counts no more.
        let unfused = try plan(Pair(45, 53), skipping: [FusePoolPass.name])
        XCTAssertEqual(p.steps.reduce(0) { $0 + $1.macs }, unfused.steps.reduce(0) { $0 + $1.macs })
        XCTAssertLessThan(p.memory!.arenaBytes, unfused.memory!.arenaBytes, "conv1_2's own output is never stored")
    }

    func testGemmModePoolsFromScratchAndWinogradNeedsNoMore() throws {
        var gemm = try plan(Pair(45, 53), skipping: [ConvAlgorithmPass.name])
        var auto = gemm
        ConvAlgorithmPass.run(&gemm, mode: .gemm)
        ConvAlgorithmPass.run(&auto, mode: .auto)
        let g = gemm.steps.first { $0.name == "conv1_2" }!, a = auto.steps.first { $0.name == "conv1_2" }!
        XCTAssertEqual(g.attributes.algorithm, .im2colGemm)
        XCTAssertEqual(a.attributes.algorithm, .winogradF4x3)
        // GEMM: its im2col tile plus one image of its 18x45x53 output.
        let geometry = g.attributes.geometry!
        XCTAssertEqual(g.scratchBytes, 4 * (ScratchRules.convFloats(geometry, inChannelsPerGroup: 16, outHeight: 45, outWidth: 53) + 18 * 45 * 53))
        // Winograd: the rule of the unpooled conv (its tiles cover the conv's output).
        XCTAssertEqual(a.scratchBytes, 4 * ScratchRules.winogradFloats(m: 4, inChannels: 16, outChannels: 18, outHeight: 45, outWidth: 53))
        XCTAssertTrue(VerifyPlan.problems(gemm).isEmpty, "\(VerifyPlan.problems(gemm))")
        XCTAssertTrue(VerifyPlan.problems(auto).isEmpty, "\(VerifyPlan.problems(auto))")
    }

    func testPlanChecksRefuseAPoolingNoKernelComputes() throws {
        var p = try plan(Pair(45, 53))
        let i = p.steps.firstIndex { $0.name == "conv3" }!   // dilated, on Winograd
        p.steps[i].attributes.maxPool = FusedMaxPool(rounding: .ceil)
        XCTAssertTrue(VerifyPlan.problems(p).contains { $0.contains("a fused max pooling needs an undilated Winograd F(2,3) or F(4,3) or a GEMM conv") },
                      "\(VerifyPlan.problems(p))")
        var q = try plan(Pair(45, 53))
        let j = q.steps.firstIndex { $0.name == "pool3" }!
        q.steps[j].attributes.maxPool = FusedMaxPool(rounding: .ceil)
        XCTAssertTrue(VerifyPlan.problems(q).contains { $0.contains("cannot apply a fused max pooling") }, "\(VerifyPlan.problems(q))")
        var r = try plan(Pair(45, 53))
        let k = r.steps.firstIndex { $0.name == "conv1_2" }!
        r.steps[k].shape = [18, 45, 53]   // the unpooled shape: not what the pooled step writes
        XCTAssertFalse(VerifyPlan.problems(r).isEmpty)
    }

    func testFCN8sPoolsEveryBlockAndKeepsConv5OnF4x3() throws {
        let p = PlanPipeline.run(try PlanFixtures.compile("fcn8s", input: Pair(500), sizeLimit: 1000))
        let pooled = p.steps.filter { $0.attributes.maxPool != nil }.map(\.name)
        XCTAssertEqual(pooled, ["conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3"])
        XCTAssertFalse(p.steps.contains { $0.kind == .pool })
        XCTAssertEqual(p.steps.filter { $0.name.hasPrefix("conv5") }.map(\.attributes.algorithm), [.winogradF4x3, .winogradF4x3, .winogradF4x3])
        // conv1_1's and pool1's outputs are the largest alive together now (119 + 30 MiB).
        XCTAssertLessThan(p.memory!.arenaBytes, 180 << 20)
    }
}
