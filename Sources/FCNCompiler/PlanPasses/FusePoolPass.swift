// A 2x2 stride-2 max pooling fused into the convolution before it, so the conv's own output
// is never stored: VGG's conv1_2 + pool1 at 500x500 writes 30 MiB instead of 119 MiB and reads
// nothing back, and the arena's peak (conv1_1's and conv1_2's outputs alive together) falls
// by the 119 MiB the pooled output does not take.
//
// Algorithm: for each max pool with a 2x2 window, stride 2 and no padding whose input is a
// whole conv output read by nothing else (and not a model output), where the conv is one
// Winograd F(m,3) can compute (3x3, stride 1, undilated, ungrouped, at least
// ConvAlgorithmPass.minWinogradInputChannels input channels): the conv takes the pool's
// shape, sources and readers, carries `maxPool` (its rounding), and the pool step goes. The
// conv is marked winograd-f4x3 until the conv-algorithm pass (which runs after the memory
// plan) chooses for it. Every pooling window lies inside one m x m output tile (m even,
// tiles from the conv output's origin), so the Winograd output transform pools each tile as
// it writes it; on GEMM (`--conv-algorithm gemm`) the kernel writes one image of the conv's
// output to scratch and pools from there (ScratchRules.pooledConvFloats).

import FCNPlan

public enum FusePoolPass {
    public static let name = "fuse-pool"

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let p = plan.steps[i]
            guard p.kind == .pool, p.attributes.method == .max, p.attributes.geometry == FusedMaxPool.geometry,
                  let rounding = p.attributes.rounding, let c = plan.stepIndex(producing: p.inputs[0].value),
                  plan.steps[c].kind == .conv else { i += 1; continue }
            let conv = plan.steps[c]
            if let why = refusal(conv, pool: p, readers: plan.readers(of: conv.value).count, isOutput: plan.isOutput(conv.value)) {
                plan.decide(name, [conv.name, p.name], fused: false, why)
                i += 1; continue
            }
            plan.steps[c].attributes.maxPool = FusedMaxPool(rounding: rounding)
            plan.steps[c].attributes.algorithm = .winogradF4x3
            plan.steps[c].shape = p.shape
            plan.steps[c].sources += p.sources
            plan.decide(name, [conv.name, p.name], fused: true, "2x2 max pooling applied as '\(conv.name)' writes its output tiles")
            for j in plan.steps.indices {
                for k in plan.steps[j].inputs.indices where plan.steps[j].inputs[k].value == p.value {
                    plan.steps[j].inputs[k].value = conv.value
                }
            }
            for k in plan.outputs.indices where plan.outputs[k].value == p.value { plan.outputs[k].value = conv.value }
            plan.steps.remove(at: i)
        }
    }

    /// Why `pool` stays a step of its own (nil: it is fused into `conv`).
    static func refusal(_ conv: Step, pool: Step, readers: Int, isOutput: Bool) -> String? {
        let a = conv.attributes
        if pool.inputs[0].window != nil { return "'\(pool.name)' reads a window of '\(conv.name)'" }
        if readers != 1 || isOutput { return "'\(conv.name)' has other consumers: its own output must be stored" }
        if a.maxPool != nil { return "'\(conv.name)' already pools" }
        guard let g = a.geometry, g.kernel == [3, 3], g.stride == [1, 1], g.dilation == [1, 1], (a.group ?? 1) == 1 else {
            return "'\(conv.name)' is not a 3x3 stride-1 undilated ungrouped conv, which Winograd computes in tiles"
        }
        let cin = conv.inputs[0].shape[0]
        if cin < ConvAlgorithmPass.minWinogradInputChannels {
            return "'\(conv.name)' has \(cin) input channels (< \(ConvAlgorithmPass.minWinogradInputChannels)): it runs on GEMM, which writes its whole output"
        }
        return nil
    }
}
