// Each plan pass, before and after, on small specs written for the purpose.

import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class PlanPassTests: XCTestCase {
    /// A tiny net with every fusion candidate: scale -> conv, conv -> relu -> dropout,
    /// a conv read twice, a learned and a bilinear upsampler, crops, a sum.
    static let tiny = """
    name: tiny
    input: {channels: 3}
    graph:
      - {conv: c1, out: 4, kernel: 3, pad: 10}
      - {relu: r1}
      - {dropout: d1}
      - {pool: p1, kernel: 2, stride: 2}
      - {scale: s1, value: 0.5}
      - {conv: c2, out: 4, kernel: 1}
      - {conv: c3, from: p1, out: 4, kernel: 3, pad: 1}
      - {conv: tap, from: c3, out: 4, kernel: 1}
      - {relu: r3, from: c3}            # not right after c3, so not in place: c3 has 2 readers
      - {sum: both, from: [c2, r3, tap]}
      - {deconv: up, from: both, stride: 2}
      - {deconv: up2, from: both, stride: 2, learn: true}
      - {crop: upc, from: up2, like: up}
      - {sum: fuse, from: [up, upc]}
      - {crop: out, from: fuse, like: input}
    """

    func lowered() throws -> Plan { LowerToSteps.run(try PlanFixtures.compile(yaml: Self.tiny, input: Pair(20, 23))) }
    func names(_ p: Plan) -> [String] { p.steps.map(\.name) }

    func testDropDropout() throws {
        var p = try lowered()
        XCTAssertTrue(names(p).contains("d1"))
        DropDropoutPass.run(&p)
        XCTAssertFalse(names(p).contains("d1"))
        let pool = p.steps.first { $0.name == "p1" }!
        XCTAssertEqual(pool.inputs[0].value, p.steps.first { $0.name == "r1" }!.value, "p1 now reads r1")
        XCTAssertEqual(p.steps.first { $0.name == "r1" }!.sources.map(\.name), ["r1", "d1"])
        XCTAssertEqual(p.fusion.map(\.fused), [true])
        XCTAssertTrue(VerifyPlan.problems(p).isEmpty)
    }

    func testFoldScaleIntoFollowingConv() throws {
        var p = try lowered()
        FoldScalePass.run(&p)
        XCTAssertFalse(names(p).contains("s1"))
        let c2 = p.steps.first { $0.name == "c2" }!
        XCTAssertEqual(c2.attributes.inputScale, 0.5)
        XCTAssertEqual(c2.sources.map(\.name), ["c2", "s1"])
        XCTAssertEqual(c2.inputs[0].value, p.steps.first { $0.name == "p1" }!.value)
    }

    func testFuseConvReluOnlyWhenConvHasOneConsumer() throws {
        var p = try lowered()
        FuseReLUPass.run(&p)
        XCTAssertTrue(p.steps.first { $0.name == "c1" }!.attributes.relu == true)
        XCTAssertFalse(names(p).contains("r1"))
        // c3 is read by r3 and by tap: the ReLU must stay a separate step.
        XCTAssertTrue(names(p).contains("r3"))
        XCTAssertNil(p.steps.first { $0.name == "c3" }!.attributes.relu)
        let refused = p.fusion.first { $0.layers == ["c3", "r3"] }!
        XCTAssertFalse(refused.fused)
        XCTAssertTrue(refused.reason.contains("2 consumers"), refused.reason)
    }

    func testBilinearBecomesPerChannelOnlyForFixedWeights() throws {
        var p = try lowered()
        let dense = p.steps.first { $0.name == "up" }!.macs
        BilinearUpsamplePass.run(&p)
        let up = p.steps.first { $0.name == "up" }!, up2 = p.steps.first { $0.name == "up2" }!
        XCTAssertEqual(up.kind, .upsample)
        XCTAssertEqual(up.macs * 4, dense, "4 channels: per-channel is 4x fewer MACs")
        XCTAssertEqual(up2.kind, .deconv)
        XCTAssertEqual(p.fusion.first { $0.layers == ["up2"] }!.reason, "weights are learned, not bilinear")
        XCTAssertEqual(up2.weights.map(\.name), ["up2.weight"])
    }

    func testCropsBecomeWindowsAndFinalCropFoldsIntoUpsampling() throws {
        var p = try lowered()
        BilinearUpsamplePass.run(&p)
        FoldCropIntoUpsamplePass.run(&p)
        CropAsWindowPass.run(&p)
        XCTAssertFalse(names(p).contains("upc"), "\(names(p))")
        // upc crops the learned upsampling up2, read by nothing else: up2 computes only that window.
        let c = try PlanFixtures.compile(yaml: Self.tiny, input: Pair(20, 23))
        let upcOffset = c.graph.nodes.first { $0.name == "upc" }!.cropOffset!
        let up = p.steps.first { $0.name == "up" }!, up2 = p.steps.first { $0.name == "up2" }!
        XCTAssertEqual(up2.outputWindow, Window(y: upcOffset.h, x: upcOffset.w, h: up.shape[1], w: up.shape[2]))
        XCTAssertEqual(up2.shape, up.shape)
        XCTAssertEqual(up2.sources.map(\.name), ["up2", "upc"])
        // Without the fold, the crop becomes a window read by the sum.
        var w = try lowered()
        CropAsWindowPass.run(&w)
        let fuse = w.steps.first { $0.name == "fuse" }!
        XCTAssertEqual(fuse.inputs[1].window, Window(y: upcOffset.h, x: upcOffset.w, h: up.shape[1], w: up.shape[2]))
        XCTAssertEqual(fuse.inputs[1].value, up2.value)
        // `out` crops a sum and is the network output: it stays a copy, with the reason.
        var q = try lowered()
        CropAsWindowPass.run(&q)
        XCTAssertTrue(q.steps.contains { $0.name == "out" && $0.kind == .crop })
        XCTAssertTrue(q.fusion.contains { $0.layers == ["out"] && !$0.fused && $0.reason.contains("network output") })
    }

    func testFCN8sFinalUpsamplingComputesOnlyTheInputWindow() throws {
        let plan = PlanPipeline.run(try PlanFixtures.compile("fcn8s"))
        let last = plan.outputStep!
        XCTAssertEqual(last.kind, .upsample)
        XCTAssertEqual(last.shape, [21, 500, 500])
        XCTAssertEqual(last.outputWindow, Window(y: 31, x: 31, h: 500, w: 500))
        XCTAssertEqual(last.sources.map(\.name), ["upscore8", "score"])
        XCTAssertFalse(plan.steps.contains { $0.kind == .dropout || $0.kind == .crop || $0.kind == .relu })
        XCTAssertEqual(plan.fusion.count, plan.fusion.filter(\.fused).count + plan.fusion.filter { !$0.fused }.count)
        for d in plan.fusion { XCTAssertFalse(d.reason.isEmpty) }
        // per-channel upsampling: 21x fewer MACs than the dense deconvolution (before windowing)
        let up2 = plan.steps.first { $0.name == "upscore2" }!
        let dense = plan.layers.first { $0.name == "upscore2" }!.macs
        XCTAssertEqual(dense / up2.macs, 21)
    }

    func testAtOnceScalesFoldIntoScoreLayers() throws {
        let plan = PlanPipeline.run(try PlanFixtures.compile("fcn8s-atonce"))
        let s4 = plan.steps.first { $0.sources.contains { $0.name == "score_pool4" } }!
        XCTAssertEqual(s4.attributes.inputScale, 0.01)
        XCTAssertEqual(s4.sources.map(\.name), ["score_pool4", "scale_pool4"])
        XCTAssertFalse(plan.steps.contains { $0.kind == .scale })
    }
}
