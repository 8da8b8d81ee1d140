// How each convolution is computed, chosen from its shape (runs after plan-memory, which sizes
// the im2col scratch; this pass sizes the Winograd scratch and the transformed weights):
//
//   gemm-1x1       1x1, stride 1, pad 0: one GEMM on the input as it lies in memory.
//   winograd-f6x3  3x3, stride 1, ungrouped, at least `minWinograd6x6InputChannels` input and
//                  `minWinograd6x6OutputChannels` output channels, where 6x6 output tiles compute
//                  `minWinograd6x6Saving` times fewer products than 4x4 ones:
//                  64 multiplications per 6x6 tile instead of 324 (5.06x fewer). Its transformed
//                  weights take 64/36 of F(4,3)'s, so it goes only to convs whose GEMMs dwarf
//                  their transforms (FCN-ResNet50's 2048 -> 512 classifier), and over the budget
//                  it is the first to step down (to F(4,3)).
//   winograd-f4x3  3x3, stride 1, ungrouped, at least `minWinogradInputChannels`
//                  input channels: 4x fewer multiplications (36 per 4x4 output tile instead of
//                  144); the GEMMs are C_out x C_in x tiles, one per tile position.
//   winograd-f2x3  the same, when the output is so small that F(4,3)'s 4x4 tiles would compute
//                  more multiplications than F(2,3)'s 2x2 ones (tails), or when asked for.
//                  A dilated 3x3 conv (DeepLab-style ResNets, dilation d) is d² undilated ones
//                  on the sub-grids of every d-th row and column, where its taps are adjacent:
//                  the same tiles, gathered and scattered d apart (edge tiles of each sub-grid
//                  cost a little more than in one undilated conv of the same size).
//   winograd-f2x7  7x7, stride 1, undilated, ungrouped (the VGG FCNs' fc6), at least
//                  `minWinogradInputChannels` input channels: 64 multiplications per 2x2 output
//                  tile instead of 196. Its transformed weights (64/49 of the weights: 537 MB for
//                  fc6) are not kept but made on every run, a block of output channels at a time,
//                  once per group of tiles (`ScratchRules.winograd7x7Groups`); the choice counts
//                  that (`weightTransformCost`) and needs `minWinograd7x7Saving` in all.
//   im2col-gemm    everything else: other or strided kernels (conv1 of AlexNet), grouped
//                  convs, convs with few input channels (conv1_1: C_in = 3 makes the
//                  transforms cost more than the GEMMs they save), and convs that add a fused
//                  residual (FuseResidualPass), in every mode.
//
// Every choice is recorded with its reason in `plan.fusion` (pass "conv-algorithm"; fused =
// the convolution was rewritten to Winograd). `--conv-algorithm gemm` keeps every conv on
// GEMM, `winograd` ignores the channel threshold (F(4,3) or F(2,3), no F(6,3)), `winograd-f2x3`
// is the precise mode (F(2,3) wherever Winograd applies), `winograd-f6x3` the opposite (F(6,3)
// wherever Winograd F(m,3) applies, no budget). Transformed weights are counted in `memory.weightBytes` (both
// they and the 3x3 ones are alive while the executable is built; `run --tensor` then lets the
// 3x3 ones go). In auto mode they are held to a budget (`fitBudget`).

import FCNPlan

public enum ConvAlgorithmPass {
    public static let name = "conv-algorithm"

    public enum Mode: String, Sendable, CaseIterable {
        case auto, gemm, winograd
        case winogradF2x3 = "winograd-f2x3"
        case winogradF6x3 = "winograd-f6x3"
    }

    /// Fewer input channels than this: Winograd does not pay (measured: conv1_1, C_in = 3).
    public static let minWinogradInputChannels = 16
    /// F(6,3) in auto mode only with at least this many input channels and `minWinograd6x6OutputChannels`
    /// output channels: its transforms (64 values per tile and channel, against 36) must be small
    /// beside its products. Measured at 1 thread, CPU time per step, min of 9 runs (2026-12-04, AMD
    /// EPYC, AVX2): FCN-ResNet50's classifier (2048 -> 512, 65x65) 302 -> 231 ms, its aux classifier
    /// (1024 -> 256) 84 -> 69 ms; FCN-8s' conv3_2 (256 -> 256, 125x125) and conv4_1 (256 -> 512,
    /// 63x63), 125 -> 125 ms and 62 -> 62 ms: no gain for 1.78x the transformed weights.
    public static let minWinograd6x6InputChannels = 512
    public static let minWinograd6x6OutputChannels = 256
    /// ... and only where it computes this factor fewer products than F(4,3): FCN-ResNet50's
    /// dilated layer4 convs (sub-grids of 16-17 pixels, which waste 6x6 tiles) compute 1.13x fewer
    /// and ran 3-10% faster, for 1.78x the transformed weights; its undilated 65x65 outputs 1.34x.
    /// (FCN-16s' conv4_2, 512 -> 512 at 63x63, would compute 1.19x fewer: not measured, left on F(4,3).)
    public static let minWinograd6x6Saving = 1.25

    public static func run(_ plan: inout Plan) { run(&plan, mode: .auto) }

    public static func run(_ plan: inout Plan, mode: Mode) {
        let convs = plan.steps.indices.filter { plan.steps[$0].kind == .conv }
        var choice = Dictionary(uniqueKeysWithValues: convs.map { ($0, choose(plan.steps[$0], mode: mode)) })
        if mode == .auto { fitBudget(plan, &choice) }
        var transformed = 0
        for i in convs {
            let s = plan.steps[i], (algorithm, reason) = choice[i]!
            plan.steps[i].attributes.algorithm = algorithm
            // Scratch by the one rule (ScratchRules via VerifyPlan.scratchFloats), now for this algorithm.
            plan.steps[i].scratchBytes = VerifyPlan.scratchFloats(plan.steps[i]) * 4
            if let m = tileSide(algorithm) { transformed += transformedBytes(s, m) }
            plan.decide(name, [s.name], fused: algorithm.isWinograd, "\(algorithm.rawValue): \(reason)")
        }
        if plan.memory != nil {
            plan.memory!.scratchBytes = plan.steps.map(\.scratchBytes).max() ?? 0
            plan.memory!.weightBytes += transformed
        }
    }

    /// Transformed weights take at most what is left of this many bytes once the model's own
    /// weights, the activation arena and the largest scratch are counted (all are alive while
    /// the executable runs; the process itself takes a few tens of MiB more): FCN-8s at 500x500
    /// then stays under 1 GiB of peak RSS, and a model with small weights and activations
    /// (FCN-ResNet50) gets Winograd for all its 3x3 convs.
    public static let processMemoryLimit = 960 << 20
    /// ... but at least this many bytes (large inputs do not lose Winograd altogether).
    public static let transformedWeightFloor = 64 << 20
    /// Without a memory report (the memory pass did not run): this fraction of the weights.
    public static let transformedWeightFraction = 1.0 / 3

    static func transformedBytes(_ s: Step, _ m: Int) -> Int { (m + 2) * (m + 2) * s.inputs[0].shape[0] * s.shape[0] * 4 }

    /// Over the budget, F(6,3) convs step down to F(4,3), those that save the fewest products per
    /// channel pair first (the least saved per extra byte); then F(4,3) convs to F(2,3), then
    /// F(2,3) ones to im2col GEMM, those with the most weights per output pixel (the least work
    /// per transformed byte) first.
    static func fitBudget(_ plan: Plan, _ choice: inout [Int: (ConvAlgorithm, String)]) {
        let weights = plan.steps.flatMap(\.weights).reduce(0) { $0 + $1.shape.reduce(4, *) }
        let left: Int, rule: String
        if let memory = plan.memory {
            left = processMemoryLimit - weights - memory.arenaBytes - max(memory.scratchBytes, ScratchRules.winogradBudgetBytes)
            rule = "what \(processMemoryLimit >> 20) MiB leaves beside the weights, activations and scratch"
        } else {
            left = Int(Double(weights) * transformedWeightFraction)
            rule = "1/3 of the model's weights"
        }
        let budget = max(left, transformedWeightFloor)
        // Transformed weights, plus the scratch a conv with large ones takes beyond the usual
        // (ScratchRules.winogradCapBytes: half its U), counted once: all steps share one scratch.
        func total() -> Int {
            var bytes = 0, extraScratch = 0
            for (i, (algorithm, _)) in choice {
                guard let m = tileSide(algorithm) else { continue }
                bytes += transformedBytes(plan.steps[i], m)
                let cap = ScratchRules.winogradCapBytes(m: m, inChannels: plan.steps[i].inputs[0].shape[0], outChannels: plan.steps[i].shape[0])
                extraScratch = max(extraScratch, cap - ScratchRules.winogradBudgetBytes)
            }
            return bytes + extraScratch
        }
        let order = choice.keys.sorted { a, b in
            let sa = plan.steps[a], sb = plan.steps[b]
            let wa = Double(sa.inputs[0].shape[0] * sa.shape[0]) / Double(max(1, sa.shape[1] * sa.shape[2]))
            let wb = Double(sb.inputs[0].shape[0] * sb.shape[0]) / Double(max(1, sb.shape[1] * sb.shape[2]))
            return wa != wb ? wa > wb : a > b
        }
        // F(6,3) convs by the products per channel pair F(6,3) saves over F(4,3), fewest first.
        let sixOrder = choice.keys.sorted { a, b in
            let ga = f6Saving(plan.steps[a]), gb = f6Saving(plan.steps[b])
            return ga != gb ? ga < gb : a > b
        }
        let mib = "\(budget >> 20) MiB: \(rule), at least \(transformedWeightFloor >> 20) MiB"
        for (from, to) in [(ConvAlgorithm.winogradF6x3, ConvAlgorithm.winogradF4x3), (.winogradF4x3, .winogradF2x3),
                           (.winogradF2x3, .im2colGemm)] {
            // A conv with a fused pooling stays on Winograd: on GEMM its whole output would be scratch.
            for i in (from == .winogradF6x3 ? sixOrder : order)
            where choice[i]!.0 == from && !(to == .im2colGemm && plan.steps[i].attributes.maxPool != nil) {
                if total() <= budget { return }
                let bytes = transformedBytes(plan.steps[i], tileSide(from)!)
                choice[i] = (to, "\(from.rawValue) weights (\(bytes >> 20) MiB) would pass the transformed-weight budget (\(mib))")
            }
        }
    }

    /// Products per channel pair F(4,3) computes beyond F(6,3) for this conv's output (one image).
    static func f6Saving(_ s: Step) -> Int {
        let oh = s.convOutputShape[1], ow = s.convOutputShape[2], dil = s.attributes.geometry?.dilation ?? [1, 1]
        return 36 * ScratchRules.winogradTileGrid(m: 4, outHeight: oh, outWidth: ow, dilation: dil).tiles
            - 64 * ScratchRules.winogradTileGrid(m: 6, outHeight: oh, outWidth: ow, dilation: dil).tiles
    }

    /// "12 winograd-f4x3, 1 im2col-gemm, 4 gemm-1x1" (nil: no conv has an algorithm).
    public static func summary(_ plan: Plan) -> String? {
        let chosen = plan.steps.compactMap(\.attributes.algorithm)
        if chosen.isEmpty { return nil }
        return ConvAlgorithm.allCases.compactMap { a in
            let n = chosen.filter { $0 == a }.count
            return n == 0 ? nil : "\(n) \(a.rawValue)"
        }.joined(separator: ", ")
    }

    static func tileSide(_ a: ConvAlgorithm) -> Int? { a.winogradTileSide }

    /// Multiply-adds the GEMMs do in the time the F(2,7) weight transform of one channel pair
    /// takes (about 19 cycles for 64 values, against 32 multiply-adds per cycle).
    public static let weightTransformCost = 600
    /// F(2,7) only where it saves at least this factor of the multiplications, transform counted.
    public static let minWinograd7x7Saving = 1.25

    static func choose7x7(_ s: Step, mode: Mode) -> (ConvAlgorithm, String) {
        let cin = s.inputs[0].shape[0], oh = s.convOutputShape[1], ow = s.convOutputShape[2]
        switch mode {
        case .gemm: return (.im2colGemm, "--conv-algorithm gemm")
        case .winogradF2x3: return (.im2colGemm, "--conv-algorithm winograd-f2x3 (precise mode): a 7x7 conv stays on GEMM")
        case .winogradF6x3: return (.im2colGemm, "--conv-algorithm winograd-f6x3: F(6,3) is for 3x3 convs; a 7x7 conv stays on GEMM")
        case .auto where cin < minWinogradInputChannels:
            return (.im2colGemm, "7x7 kernel, \(cin) input channels (< \(minWinogradInputChannels)): the transforms would cost more than they save")
        case .auto, .winograd:
            let tiles = ScratchRules.winograd7x7TileGrid(outHeight: oh, outWidth: ow).tiles
            let groups = ScratchRules.winograd7x7Groups(inChannels: cin, tiles: tiles, capacity: ScratchRules.winograd7x7Floats(
                inChannels: cin, outHeight: oh, outWidth: ow), workers: 2).count
            let saving = Double(49 * oh * ow) / Double(64 * tiles + weightTransformCost * groups)
            let ratio = (saving * 100).rounded() / 100
            if mode == .auto && saving < minWinograd7x7Saving {
                return (.im2colGemm, "7x7 stride 1, \(oh)x\(ow) output: Winograd F(2,7) would save only \(ratio)x, its per-run weight transform counted")
            }
            let times = groups == 1 ? "once" : "in each of \(groups) groups of tiles"
            return (.winogradF2x7, "7x7 stride 1, \(cin) input channels: \(ratio)x fewer multiplications, counting the weight transform done on every run (\(times)), since the transformed weights are not kept")
        }
    }

    static func choose(_ s: Step, mode: Mode) -> (ConvAlgorithm, String) {
        let (algorithm, reason) = chooseByShape(s, mode: mode)
        if s.attributes.residual != nil, algorithm.isWinograd {
            return (.im2colGemm, "adds a fused residual, which its GEMM accumulates into; Winograd's output transform adds none")
        }
        if s.attributes.maxPool != nil, !algorithm.fusesMaxPool {
            return (.winogradF4x3, "writes a fused 2x2 max pooling, which the F(6,3) kernel does not: F(4,3)")
        }
        return (algorithm, reason)
    }

    static func chooseByShape(_ s: Step, mode: Mode) -> (ConvAlgorithm, String) {
        let a = s.attributes
        guard let geo = a.geometry else { return (.im2colGemm, "no geometry") }
        let k = geo.kernel, st = geo.stride, dil = geo.dilation
        let g = a.group ?? 1, cin = s.inputs[0].shape[0]
        if geo.isPointwise { return (.gemm1x1, "1x1 stride 1: one GEMM on the input") }
        if k == [7, 7], st == [1, 1], dil == [1, 1], g == 1 { return choose7x7(s, mode: mode) }
        var why: [String] = []
        if k != [3, 3] { why.append("\(k[0])x\(k[1]) kernel") }
        if st != [1, 1] { why.append("stride \(st[0])x\(st[1])") }
        if g != 1 { why.append("\(g) groups") }
        if !why.isEmpty { return (.im2colGemm, why.joined(separator: ", ") + ": Winograd here is for 3x3 (and undilated 7x7) stride-1 ungrouped convs") }
        switch mode {
        case .gemm: return (.im2colGemm, "--conv-algorithm gemm")
        case .winogradF2x3: return (.winogradF2x3, "--conv-algorithm winograd-f2x3 (precise mode): 2.25x fewer multiplications")
        case .winogradF6x3: return (.winogradF6x3, "--conv-algorithm winograd-f6x3: 5.06x fewer multiplications per 6x6 tile")
        case .auto where cin < minWinogradInputChannels:
            return (.im2colGemm, "\(cin) input channels (< \(minWinogradInputChannels)): the transforms would cost more than they save")
        case .auto, .winograd:
            let oh = s.convOutputShape[1], ow = s.convOutputShape[2]
            let f4 = 36 * ScratchRules.winogradTileGrid(m: 4, outHeight: oh, outWidth: ow, dilation: dil).tiles
            let f2 = 16 * ScratchRules.winogradTileGrid(m: 2, outHeight: oh, outWidth: ow, dilation: dil).tiles
            let f6 = 64 * ScratchRules.winogradTileGrid(m: 6, outHeight: oh, outWidth: ow, dilation: dil).tiles
            let direct = 9 * oh * ow
            let dilated = dil == [1, 1] ? "" : " dilation \(dil[0])x\(dil[1]) (on its \(dil[0] * dil[1]) sub-grids, rows \(dil[0]) and columns \(dil[1]) apart),"
            func times(_ products: Int) -> Double { (Double(direct) / Double(products) * 100).rounded() / 100 }
            if mode == .auto, cin >= minWinograd6x6InputChannels, s.shape[0] >= minWinograd6x6OutputChannels,
               Double(f4) >= minWinograd6x6Saving * Double(f6) {
                return (.winogradF6x3, "3x3 stride 1,\(dilated) \(cin) -> \(s.shape[0]) channels: \(times(f6))x fewer multiplications with 6x6 tiles (\(times(f4))x with 4x4)")
            }
            if f2 < f4 {
                return (.winogradF2x3, "\(oh)x\(ow) output: 2x2 tiles waste less than 4x4 (\(f2) vs \(f4) products per channel pair)")
            }
            return (.winogradF4x3, "3x3 stride 1,\(dilated) \(cin) input channels: \(times(f4))x fewer multiplications")
        }
    }
}
