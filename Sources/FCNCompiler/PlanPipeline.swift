// From an analysed graph to an execution plan: lowering, then the plan passes in order.
// Each pass is in PlanPasses/, opens with a comment on its algorithm, and records every
// fusion it considered ("fused" or why not) in `plan.fusion`.

import FCNPlan

public enum PlanPipeline {
    public static let passes: [(name: String, run: (inout Plan) -> Void)] = [
        (DropDeadStepsPass.name, DropDeadStepsPass.run),                // nothing reads it: not computed
        (DropDropoutPass.name, DropDropoutPass.run),                    // dropout is the identity
        (FoldScalePass.name, FoldScalePass.run),                        // constant scale -> next conv's weights
        (FoldBatchNormPass.name, FoldBatchNormPass.run),                // conv + batch norm: one conv, new weights
        (FuseReLUPass.name, FuseReLUPass.run),                          // conv/sum/batch norm + ReLU as one step
        (FusePoolPass.name, FusePoolPass.run),                          // conv + 2x2 max pool: the conv writes pooled tiles
        (BilinearUpsamplePass.name, BilinearUpsamplePass.run),          // fixed bilinear deconv -> per-channel
        (FoldCropIntoUpsamplePass.name, FoldCropIntoUpsamplePass.run),  // upsample computes only the surviving window
        (CropAsWindowPass.name, CropAsWindowPass.run),                  // crops become windows read by consumers
        (FuseResidualPass.name, FuseResidualPass.run),                  // conv + residual sum (+ ReLU): the GEMM adds the shortcut
        (PlanMemoryPass.name, PlanMemoryPass.run),                      // liveness, slots, in place, scratch
        (ConvAlgorithmPass.name, ConvAlgorithmPass.run),                // im2col GEMM, 1x1 GEMM or Winograd per conv
    ]

    /// The name `--print-after` gives lowering (the plan before any plan pass).
    public static let loweringName = "lower"

    /// Lowers and runs the passes (all, or those whose names are not in `skipping`); `observer`
    /// sees the plan after lowering and after each pass (`fcngc compile --print-after`).
    public static func run(_ c: Compilation, skipping: Set<String> = [], observer: ((String, Plan) -> Void)? = nil) -> Plan {
        var plan = LowerToSteps.run(c)
        plan.classes = c.spec.classNames
        observer?(loweringName, plan)
        for pass in passes where !skipping.contains(pass.name) {
            pass.run(&plan)
            assert(VerifyPlan.problems(plan).isEmpty, "after \(pass.name): \(VerifyPlan.problems(plan))")
            observer?(pass.name, plan)
        }
        plan.totals.macs = plan.steps.reduce(0) { $0 + $1.macs }
        // Parameters the plan actually reads (dead layers' weights are not counted).
        var seen = Set<String>()
        plan.totals.params = plan.steps.flatMap(\.weights).filter { seen.insert($0.name).inserted }.reduce(0) { $0 + $1.shape.reduce(1, *) }
        return plan
    }
}
