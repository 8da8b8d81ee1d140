// A crop of an upsampling (per-channel or general deconvolution) read by nothing else
// folds into it: the upsampling computes only the window that survives. For FCN-8s at
// 500x500 the final `score` crop makes `upscore8` compute 500x500 instead of 568x568.

import FCNPlan

public enum FoldCropIntoUpsamplePass {
    public static let name = "fold-crop-into-upsample"

    public static func run(_ plan: inout Plan) {
        var i = 0
        while i < plan.steps.count {
            let k = plan.steps[i]
            guard k.kind == .crop, let window = k.inputs[0].window, let u = plan.stepIndex(producing: k.inputs[0].value) else { i += 1; continue }
            let up = plan.steps[u]
            guard up.kind == .upsample || up.kind == .deconv, up.outputWindow == nil else {
                i += 1; continue   // not a candidate: CropAsWindowPass decides
            }
            let readers = plan.readers(of: up.value)
            guard readers.count == 1, !plan.isOutput(up.value) else {
                plan.decide(name, [up.name, k.name], fused: false, "'\(up.name)' has \(readers.count) consumers")
                i += 1; continue
            }
            let full = up.shape
            plan.steps[u].outputWindow = window
            plan.steps[u].shape = k.shape
            plan.steps[u].sources += k.sources
            if up.kind == .upsample { plan.steps[u].macs = BilinearUpsamplePass.macs(plan.steps[u]) }
            plan.decide(name, [up.name, k.name], fused: true,
                        "'\(up.name)' computes only \(window) of its \(full[1])x\(full[2]) output (\(k.shape[1])x\(k.shape[2]))")
            // Readers of the crop now read the upsampling's (windowed) output whole.
            plan.steps[i].inputs[0].window = nil
            plan.steps[i].inputs[0].shape = k.shape
            plan.bypass(i)
        }
    }
}
