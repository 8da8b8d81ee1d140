// The fuse-residual pass, before and after: which residual sums become their conv's `residual`
// (the shortcut its second input), why the others stay steps, the memory plan that follows, the
// conv-algorithm pass keeping fused convs on GEMM, and the plan checks that refuse a residual no
// kernel adds.

import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class FuseResidualPassTests: XCTestCase {
    static let fixture = PlanFixtures.root.appendingPathComponent("Tests/FCNRuntimeTests/Fixtures/bottleneck.yaml").path

    func plan(_ size: Pair = Pair(19, 23), skipping: Set<String> = []) throws -> Plan {
        PlanPipeline.run(try PlanFixtures.compile(path: Self.fixture, input: size), skipping: skipping)
    }

    func testFusesSumsIntoTheGemmConvsThatComputeThem() throws {
        let p = try plan()
        let step = { (name: String) in p.steps.first { $0.name == name } }
        let value = { (name: String) in step(name)!.value }
        // The downsample conv is written after conv3: it adds conv3's output, then the ReLU.
        XCTAssertEqual(step("a_down")?.sources.map(\.name), ["a_down", "a_down_bn", "a_add", "a_relu"])
        XCTAssertEqual(step("a_down")?.attributes.residual, FusedResidual(value: value("a_conv3")))
        XCTAssertEqual(step("a_down")?.inputs.map(\.value), [value("stem"), value("a_conv3")])
        XCTAssertEqual(step("a_down")?.attributes.relu, true)
        XCTAssertEqual(step("b_conv3")?.attributes.residual, FusedResidual(value: value("a_down")))
        XCTAssertEqual(step("b_conv3")?.attributes.relu, true)
        // No ReLU after c_add; its shortcut is a window of c_pad (the crop), which stays a window.
        XCTAssertEqual(step("c_conv")?.attributes.residual, FusedResidual(value: value("c_pad")))
        XCTAssertNil(step("c_conv")?.attributes.relu)
        XCTAssertEqual(step("c_conv")?.inputs[1].window, Window(y: 1, x: 1, h: 10, w: 12))
        XCTAssertEqual(step("e_side")?.attributes.residual, FusedResidual(value: value("e_add")))
        XCTAssertEqual(step("g_conv2")?.attributes.residual, FusedResidual(value: value("f_add")))
        XCTAssertEqual(p.steps.filter { $0.kind == .sum }.map(\.name), ["d_add", "e_add", "f_add"])
        // Readers of a fused sum read the conv.
        XCTAssertEqual(step("d_conv")?.inputs[0].value, value("c_conv"))
        let decisions = p.fusion.filter { $0.pass == FuseResidualPass.name }
        XCTAssertEqual(decisions.map(\.layers), [["a_down", "a_add"], ["b_conv3", "b_add"], ["c_conv", "c_add"], ["d_conv", "d_add"],
                                                 ["e_conv", "e_add"], ["e_side", "e_join"], ["f_conv", "f_add"], ["g_conv2", "g_add"]])
        XCTAssertEqual(decisions.map(\.fused), [true, true, true, false, false, true, false, true])
        XCTAssertEqual(decisions[0].reason, "'a_down' adds 'a_bn3', then the ReLU, as its GEMM stores its last depth block")
        XCTAssertEqual(decisions[2].reason, "'c_conv' adds 'c_pad' in its GEMM, which accumulates into a copy of it (a window narrower than its buffer)")
        XCTAssertTrue(decisions[3].reason.contains("runs on winograd-f4x3, whose output transform adds no shortcut"), decisions[3].reason)
        XCTAssertTrue(decisions[4].reason.contains("other consumers"), decisions[4].reason)
        XCTAssertTrue(decisions[6].reason.contains("applies its own ReLU"), decisions[6].reason)
        XCTAssertTrue(VerifyPlan.problems(p, forRunning: true).isEmpty, "\(VerifyPlan.problems(p, forRunning: true))")
        let text = PlanReport.text(p)
        XCTAssertTrue(text.contains("conv+add+relu  k1 s2"), text)
        XCTAssertTrue(text.contains("b_relu@s1 + c_pad[1:11, 1:13]@s0"), text)
        // The memory plan: every shortcut lives through its conv, in a slot of its own.
        for s in p.steps where s.attributes.residual != nil {
            XCTAssertNotEqual(s.inputs[1].slot, s.slot, s.name)
            XCTAssertEqual(Liveness.lastUse(p)[s.inputs[1].value].map { $0 >= p.steps.firstIndex { $0.value == s.value }! }, true)
        }
        // Same MACs; five steps fewer; no more activation memory than unfused.
        let unfused = try plan(skipping: [FuseResidualPass.name])
        XCTAssertEqual(p.totals.macs, unfused.totals.macs)
        XCTAssertEqual(p.steps.count + 5, unfused.steps.count)
        XCTAssertLessThanOrEqual(p.memory!.arenaBytes, unfused.memory!.arenaBytes)
    }

    func testConvAlgorithmKeepsFusedConvsOnGemmInEveryMode() throws {
        for mode in ConvAlgorithmPass.Mode.allCases {
            var p = try plan(skipping: [ConvAlgorithmPass.name])
            ConvAlgorithmPass.run(&p, mode: mode)
            let g = p.steps.first { $0.name == "g_conv2" }!
            XCTAssertEqual(g.attributes.algorithm, .im2colGemm, "\(mode)")
            XCTAssertTrue(p.steps.filter { $0.attributes.residual != nil }.allSatisfy { $0.attributes.algorithm?.isWinograd == false })
            XCTAssertTrue(VerifyPlan.problems(p, forRunning: true).isEmpty, "\(mode): \(VerifyPlan.problems(p, forRunning: true))")
            if mode == .winograd || mode == .winogradF2x3 {
                // By its shape alone g_conv2 would be Winograd here: the reason says why it is not.
                let reason = p.fusion.last { $0.pass == ConvAlgorithmPass.name && $0.layers == ["g_conv2"] }!.reason
                XCTAssertTrue(reason.contains("adds a fused residual"), "\(mode): \(reason)")
            }
        }
    }

    func testPlanChecksRefuseAResidualNoKernelAdds() throws {
        let good = try plan()
        let k = good.steps.firstIndex { $0.name == "b_conv3" }!
        func problems(_ change: (inout Plan) -> Void, forRunning: Bool = false) -> [String] {
            var p = good
            change(&p)
            return VerifyPlan.problems(p, forRunning: forRunning)
        }
        func assertRefused(_ words: String, forRunning: Bool = false, _ change: (inout Plan) -> Void, line: UInt = #line) {
            let found = problems(change, forRunning: forRunning)
            XCTAssertTrue(found.contains { $0.contains(words) }, "\(found)", line: line)
        }
        assertRefused("adds v999, which is not its second input") { $0.steps[k].attributes.residual = FusedResidual(value: 999) }
        assertRefused("reads 2 inputs but adds no residual") { $0.steps[k].attributes.residual = nil }
        assertRefused("which is not its second input") { $0.steps[k].inputs.removeLast() }
        assertRefused("adds a [24, 5, 5] shortcut to its [24, 10, 12] output") {
            $0.steps[k].inputs[1].window = Window(y: 0, x: 0, h: 5, w: 5)
        }
        let g = good.steps.firstIndex { $0.name == "g_conv2" }!
        assertRefused("a fused residual needs a GEMM conv, not winograd-f4x3") { $0.steps[g].attributes.algorithm = .winogradF4x3 }
        assertRefused("cannot both pool its output and add a residual") { $0.steps[g].attributes.maxPool = FusedMaxPool(rounding: .ceil) }
        let d = good.steps.firstIndex { $0.name == "d_add" }!
        assertRefused("(sum) cannot add a fused residual") { $0.steps[d].attributes.residual = FusedResidual(value: $0.steps[d].inputs[1].value) }
        // The GEMM accumulates into a copy of the shortcut: never over the shortcut's own buffer.
        assertRefused("writes its output over the shortcut it adds", forRunning: true) { $0.steps[k].slot = $0.steps[k].inputs[1].slot }
        assertRefused("are alive together but share arena bytes") { $0.steps[k].slot = $0.steps[k].inputs[1].slot }
        XCTAssertEqual(problems({ _ in }, forRunning: true), [])
    }

    func testJSONCarriesTheResidualAndRoundTrips() throws {
        let p = try plan()
        let json = PlanReport.json(p)
        let b = p.steps.first { $0.name == "b_conv3" }!
        XCTAssertTrue(json.contains("\"residual\" : {\n          \"value\" : \(b.attributes.residual!.value)\n        }"))
        let back = try PlanReport.decode(json)
        XCTAssertEqual(back.steps.first { $0.name == "b_conv3" }?.attributes.residual, b.attributes.residual)
        XCTAssertEqual(PlanReport.json(back), json)
    }
}
