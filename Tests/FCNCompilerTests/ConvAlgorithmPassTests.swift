// The conv-algorithm pass, before and after: which convolution gets which algorithm and why,
// the --conv-algorithm modes, scratch and weight accounting, the transformed-weight budget.

import XCTest
import FCNSpec
@testable import FCNCompiler
import FCNPlan

final class ConvAlgorithmPassTests: XCTestCase {
    static let spec = """
    name: algos
    input: {channels: 3}
    graph:
      - {conv: first, out: 16, kernel: 3, pad: 1}
      - {conv: wide, out: 24, kernel: 3, pad: 1}
      - {conv: strided, out: 16, kernel: 3, stride: 2}
      - {conv: dilated, out: 16, kernel: 3, dilation: 2, pad: 2}
      - {conv: grouped, out: 16, kernel: 3, group: 2, pad: 1}
      - {conv: five, out: 16, kernel: 5, pad: 2}
      - {conv: point, out: 16, kernel: 1}
    """

    /// The plan with every pass but this one (what the pass sees).
    func before(_ input: Pair = Pair(21, 30)) throws -> Plan {
        PlanPipeline.run(try PlanFixtures.compile(yaml: Self.spec, input: input), skipping: [ConvAlgorithmPass.name])
    }

    func algorithms(_ p: Plan) -> [String: ConvAlgorithm] {
        Dictionary(uniqueKeysWithValues: p.steps.compactMap { s in s.attributes.algorithm.map { (s.name, $0) } })
    }

    func reason(_ p: Plan, _ layer: String) -> String {
        p.fusion.first { $0.pass == ConvAlgorithmPass.name && $0.layers == [layer] }?.reason ?? "(none)"
    }

    func testChoosesPerShapeAndRecordsWhy() throws {
        var p = try before()
        XCTAssertTrue(algorithms(p).isEmpty, "no algorithm before the pass")
        let gemmScratch = p.memory!.scratchBytes
        ConvAlgorithmPass.run(&p)
        XCTAssertEqual(algorithms(p), ["first": .im2colGemm, "wide": .winogradF4x3, "strided": .im2colGemm, "dilated": .winogradF4x3,
                                       "grouped": .im2colGemm, "five": .im2colGemm, "point": .gemm1x1])
        XCTAssertTrue(reason(p, "first").contains("3 input channels"), reason(p, "first"))
        XCTAssertTrue(reason(p, "wide").hasPrefix("winograd-f4x3: 3x3 stride 1, 16 input channels"), reason(p, "wide"))
        XCTAssertTrue(reason(p, "strided").contains("stride 2x2"), reason(p, "strided"))
        XCTAssertTrue(reason(p, "dilated").hasPrefix("winograd-f4x3: 3x3 stride 1, dilation 2x2 (on its 4 sub-grids, rows 2 and columns 2 apart), 16 input channels"),
                      reason(p, "dilated"))
        XCTAssertTrue(reason(p, "grouped").contains("2 groups"), reason(p, "grouped"))
        XCTAssertTrue(reason(p, "five").contains("5x5 kernel"), reason(p, "five"))
        XCTAssertEqual(p.fusion.filter { $0.pass == ConvAlgorithmPass.name }.map(\.fused), [false, true, false, true, false, false, false])
        // The Winograd conv has its own scratch (alpha² (C_in + C_out) floats per tile, 6x8 tiles) and transformed weights.
        let wide = p.steps.first { $0.name == "wide" }!
        XCTAssertEqual(wide.scratchBytes, 4 * ScratchRules.winogradFloats(m: 4, inChannels: 16, outChannels: 24, outHeight: 21, outWidth: 30))
        XCTAssertGreaterThan(wide.scratchBytes, 36 * 40 * 48 * 4)
        XCTAssertEqual(p.memory!.scratchBytes, p.steps.map(\.scratchBytes).max())
        // The C kernel's smallest chunk is 32 tiles (GEMM panels), more than this conv's 6x8: its
        // scratch is the rule's, not the im2col tile's it replaced.
        XCTAssertNotEqual(wide.scratchBytes, gemmScratch)
        XCTAssertTrue(VerifyPlan.problems(p).isEmpty)
        XCTAssertTrue(PlanReport.text(p).contains("k3 p1 winograd-f4x3"))
        XCTAssertTrue(PlanReport.text(p).contains("convolutions: 4 im2col-gemm, 1 gemm-1x1, 2 winograd-f4x3"))
    }

    func testWeightBytesCountTheTransformedWeights() throws {
        var p = try before()
        let w = p.memory!.weightBytes
        ConvAlgorithmPass.run(&p)
        XCTAssertEqual(p.memory!.weightBytes, w + 36 * 16 * 24 * 4 + 36 * 16 * 16 * 4, "wide and dilated")
    }

    func testModes() throws {
        var gemm = try before()
        ConvAlgorithmPass.run(&gemm, mode: .gemm)
        XCTAssertEqual(algorithms(gemm)["wide"], .im2colGemm)
        XCTAssertEqual(reason(gemm, "wide"), "im2col-gemm: --conv-algorithm gemm")
        XCTAssertEqual(algorithms(gemm)["point"], .gemm1x1)
        let before = try self.before()
        XCTAssertEqual(gemm.memory, before.memory, "gemm mode changes nothing the memory plan sized")

        var forced = try self.before()
        ConvAlgorithmPass.run(&forced, mode: .winograd)
        XCTAssertEqual(algorithms(forced)["first"], .winogradF4x3, "winograd ignores the channel threshold")
        XCTAssertEqual(algorithms(forced)["strided"], .im2colGemm, "but not the shape rules")

        var precise = try self.before()
        ConvAlgorithmPass.run(&precise, mode: .winogradF2x3)
        XCTAssertEqual(algorithms(precise)["wide"], .winogradF2x3)
        XCTAssertEqual(algorithms(precise)["first"], .winogradF2x3)
    }

    func testTinyOutputsTakeTwoByTwoTiles() throws {
        let yaml = "name: tiny\ninput: {channels: 16}\ngraph:\n  - {conv: wide, out: 8, kernel: 3, pad: 1}\n"
        var p = PlanPipeline.run(try PlanFixtures.compile(yaml: yaml, input: Pair(2, 8)), skipping: [ConvAlgorithmPass.name])
        ConvAlgorithmPass.run(&p)
        XCTAssertEqual(algorithms(p)["wide"], .winogradF2x3, reason(p, "wide"))
        XCTAssertTrue(reason(p, "wide").contains("2x8 output: 2x2 tiles waste less than 4x4"), reason(p, "wide"))
    }

    /// FCN-ResNet50's layer4 at 520x520: a 65x65 output with dilation 4 has sub-grids of 17 and 16
    /// rows and columns, each with its own tiles: 17 x 17 of F(4,3), as undilated, 9·65²/(36·289) =
    /// 3.65x fewer multiplications (20 x 20 tiles, the largest sub-grid's for all, would be 2.64x).
    func testDilatedConvsCountEachSubGridsOwnTiles() throws {
        let yaml = """
        name: dilated
        input: {channels: 16}
        graph:
          - {conv: d4, out: 16, kernel: 3, dilation: 4, pad: 4}
          - {conv: d2, out: 16, kernel: 3, dilation: 2, pad: 2}
        """
        var p = PlanPipeline.run(try PlanFixtures.compile(yaml: yaml, input: Pair(65, 65)), skipping: [ConvAlgorithmPass.name])
        ConvAlgorithmPass.run(&p)
        for layer in ["d4", "d2"] {
            XCTAssertEqual(algorithms(p)[layer], .winogradF4x3, reason(p, layer))
            XCTAssertTrue(reason(p, layer).hasSuffix("16 input channels: 3.65x fewer multiplications"), reason(p, layer))
        }
        XCTAssertEqual(ScratchRules.winogradTileGrid(m: 4, outHeight: 65, outWidth: 65, dilation: [4, 4]).tiles, 289)
    }

    func testBudgetStepsDownTheConvsWithTheMostWeightsPerPixelFirst() throws {
        // FCN-8s at 500x500 with its pools as steps of their own (conv1_2's 119 MiB output
        // stored): all F(4,3) would pass what 960 MiB leaves beside weights, activations and scratch.
        var p = PlanPipeline.run(try PlanFixtures.compile("fcn8s"), skipping: [ConvAlgorithmPass.name, FusePoolPass.name])
        ConvAlgorithmPass.run(&p)
        let a = algorithms(p)
        XCTAssertEqual(["conv5_1", "conv5_2", "conv5_3"].map { a[$0] }, [.winogradF2x3, .winogradF2x3, .winogradF2x3])
        XCTAssertEqual(["conv1_2", "conv3_3", "conv4_3"].map { a[$0] }, [.winogradF4x3, .winogradF4x3, .winogradF4x3])
        XCTAssertEqual(a["conv1_1"], .im2colGemm)
        XCTAssertEqual(a["fc6"], .winogradF2x7, "no transformed weights kept: the budget does not apply")
        XCTAssertTrue(reason(p, "conv5_1").contains("budget"), reason(p, "conv5_1"))
        let transformed = p.steps.filter { $0.attributes.algorithm == .winogradF4x3 || $0.attributes.algorithm == .winogradF2x3 }
            .reduce(0) { acc, s in acc + ConvAlgorithmPass.transformedBytes(s, s.attributes.algorithm == .winogradF4x3 ? 4 : 2) }
        let weights = p.steps.flatMap(\.weights).reduce(0) { $0 + $1.shape.reduce(4, *) }
        XCTAssertLessThanOrEqual(Double(transformed), Double(weights) / 3)
        // Forcing Winograd ignores the budget.
        var forced = PlanPipeline.run(try PlanFixtures.compile("fcn8s"), skipping: [ConvAlgorithmPass.name, FusePoolPass.name])
        ConvAlgorithmPass.run(&forced, mode: .winograd)
        XCTAssertEqual(algorithms(forced)["conv5_1"], .winogradF4x3)
    }

    /// F(6,3) for wide convs whose 6x6 tiles save enough over 4x4 ones (FCN-ResNet50's 65x65
    /// heads): not for narrow ones, dilated ones whose sub-grids waste 6x6 tiles, or pooled ones;
    /// over the budget it steps down first; `--conv-algorithm winograd-f6x3` forces it.
    func testSixBySixTilesForWideConvs() throws {
        let yaml = """
        name: heads
        input: {channels: 1024}
        graph:
          - {conv: aux, out: 256, kernel: 3, pad: 1}
          - {conv: narrow, out: 256, kernel: 3, pad: 1}
          - {conv: back, out: 1024, kernel: 1}
          - {conv: dilated, out: 256, kernel: 3, dilation: 4, pad: 4}
        """
        let compiled = try PlanFixtures.compile(yaml: yaml, input: Pair(65, 65))
        var p = PlanPipeline.run(compiled, skipping: [ConvAlgorithmPass.name])
        let w = p.memory!.weightBytes
        ConvAlgorithmPass.run(&p)
        XCTAssertEqual(algorithms(p)["aux"], .winogradF6x3, reason(p, "aux"))
        XCTAssertEqual(reason(p, "aux"), "winograd-f6x3: 3x3 stride 1, 1024 -> 256 channels: 4.91x fewer multiplications with 6x6 tiles (3.65x with 4x4)")
        XCTAssertEqual(algorithms(p)["narrow"], .winogradF4x3, "256 input channels: " + reason(p, "narrow"))
        XCTAssertEqual(algorithms(p)["dilated"], .winogradF4x3, "sub-grids of 16-17 pixels: " + reason(p, "dilated"))
        XCTAssertEqual(p.memory!.weightBytes, w + 64 * 1024 * 256 * 4 + 36 * 256 * 256 * 4 + 36 * 1024 * 256 * 4)
        let aux = p.steps.first { $0.name == "aux" }!
        XCTAssertEqual(aux.scratchBytes, 4 * ScratchRules.winogradFloats(m: 6, inChannels: 1024, outChannels: 256, outHeight: 65, outWidth: 65))
        XCTAssertTrue(PlanReport.text(p).contains("k3 p1 winograd-f6x3"))
        XCTAssertTrue(VerifyPlan.problems(p).isEmpty, "\(VerifyPlan.problems(p))")
        // A fused pooling keeps F(4,3), and the plan check refuses F(6,3) with one.
        let pooled = "name: pooled\ninput: {channels: 1024}\ngraph:\n  - {conv: aux, out: 256, kernel: 3, pad: 1}\n  - {pool: p, kernel: 2, stride: 2}\n"
        let q = PlanPipeline.run(try PlanFixtures.compile(yaml: pooled, input: Pair(65, 65)))
        XCTAssertEqual(q.steps.first { $0.name == "aux" }?.attributes.maxPool != nil, true, "the pool is fused")
        XCTAssertEqual(q.steps.first { $0.name == "aux" }?.attributes.algorithm, .winogradF4x3)
        XCTAssertTrue(reason(q, "aux").contains("fused 2x2 max pooling"), reason(q, "aux"))
        var bad = q
        let i = bad.steps.firstIndex { $0.name == "aux" }!
        bad.steps[i].attributes.algorithm = .winogradF6x3
        XCTAssertTrue(VerifyPlan.problems(bad).contains { $0.contains("a fused max pooling needs an undilated Winograd F(2,3) or F(4,3)") })
        // Forced: every 3x3 conv, dilated and narrow ones too.
        var forced = PlanPipeline.run(compiled, skipping: [ConvAlgorithmPass.name])
        ConvAlgorithmPass.run(&forced, mode: .winogradF6x3)
        XCTAssertEqual(["aux", "narrow", "dilated"].map { algorithms(forced)[$0] }, [.winogradF6x3, .winogradF6x3, .winogradF6x3])
        // Over the budget: 2048 -> 2048 channels would take 1 GiB of F(6,3) weights.
        let big = "name: big\ninput: {channels: 2048}\ngraph:\n  - {conv: c, out: 2048, kernel: 3, pad: 1}\n"
        let b = PlanPipeline.run(try PlanFixtures.compile(yaml: big, input: Pair(65, 65)))
        XCTAssertNotEqual(b.steps[0].attributes.algorithm, .winogradF6x3)
        XCTAssertTrue(reason(b, "c").contains("winograd-f6x3 weights (1024 MiB) would pass the transformed-weight budget")
                      || reason(b, "c").contains("winograd-f4x3 weights"), reason(b, "c"))
    }

    /// 7x7 stride-1 convs (fc6) take Winograd F(2,7) where it saves enough with its per-run
    /// weight transform counted; GEMM for small outputs, few channels, strides and dilations,
    /// and in the gemm and precise modes.
    func testSevenBySevenConvsTakeF2x7WhereItPays() throws {
        let yaml = """
        name: sevens
        input: {channels: 32}
        graph:
          - {conv: big, out: 64, kernel: 7, pad: 3}
          - {conv: dilated, out: 16, kernel: 7, dilation: 2, pad: 6}
          - {conv: strided, out: 8, kernel: 7, stride: 2, pad: 3}
          - {conv: few, out: 64, kernel: 7, pad: 3}
        """
        func plan(_ size: Pair, _ mode: ConvAlgorithmPass.Mode) throws -> Plan {
            var p = PlanPipeline.run(try PlanFixtures.compile(yaml: yaml, input: size), skipping: [ConvAlgorithmPass.name])
            ConvAlgorithmPass.run(&p, mode: mode)
            XCTAssertEqual(VerifyPlan.problems(p, forRunning: true), [])
            return p
        }
        let p = try plan(Pair(40, 40), .auto)
        let a = algorithms(p)
        XCTAssertEqual(a["big"], .winogradF2x7, reason(p, "big"))
        XCTAssertTrue(reason(p, "big").contains("fewer multiplications, counting the weight transform done on every run (once)"), reason(p, "big"))
        XCTAssertEqual(a["dilated"], .im2colGemm)
        XCTAssertEqual(a["strided"], .im2colGemm)
        XCTAssertEqual(a["few"], .im2colGemm, "8 input channels")
        XCTAssertTrue(reason(p, "few").contains("8 input channels (< 16)"), reason(p, "few"))
        XCTAssertEqual(p.steps.first { $0.name == "big" }!.scratchBytes,
                       ScratchRules.winograd7x7Floats(inChannels: 32, outHeight: 40, outWidth: 40) * 4)
        // A 4x4 output: 4 tiles of 64 products and a transform against 16 x 49 direct ones.
        let small = try plan(Pair(4, 4), .auto)
        XCTAssertEqual(algorithms(small)["big"], .im2colGemm, reason(small, "big"))
        XCTAssertTrue(reason(small, "big").contains("would save only"), reason(small, "big"))
        XCTAssertEqual(algorithms(try plan(Pair(4, 4), .winograd))["big"], .winogradF2x7, "forced")
        XCTAssertEqual(algorithms(try plan(Pair(40, 40), .gemm))["big"], .im2colGemm)
        XCTAssertEqual(algorithms(try plan(Pair(40, 40), .winogradF2x3))["big"], .im2colGemm, "the precise mode keeps 7x7 on GEMM")
        // A plan that asks F(2,7) of a 3x3 conv is refused before it runs.
        var wrong = try plan(Pair(40, 40), .auto)
        let i = wrong.steps.firstIndex { $0.name == "strided" }!
        wrong.steps[i].attributes.algorithm = .winogradF2x7
        XCTAssertTrue(VerifyPlan.problems(wrong, forRunning: true).contains { $0.contains("winograd-f2x7 is for 7x7 stride-1 undilated ungrouped convolutions") },
                      "\(VerifyPlan.problems(wrong, forRunning: true))")
    }
}
