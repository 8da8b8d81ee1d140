// Steps whose output never reaches the network output are not computed. Walking back
// from the output over inputs marks the live steps; the rest go, each recorded with its
// reason (e.g. `head: {score: pool5}` leaves fc6...drop7 dead: 30 G MACs not spent).
// Runs first, so later passes only see live steps.

import FCNPlan

public enum DropDeadStepsPass {
    public static let name = "drop-dead-steps"

    public static func run(_ plan: inout Plan) {
        let producer = Dictionary(plan.steps.map { ($0.value, $0) }, uniquingKeysWith: { a, _ in a })
        let live = Liveness.live(outputs: plan.outputs.map(\.value)) { producer[$0]?.inputs.map(\.value) ?? [] }
        let dead = plan.steps.filter { !live.contains($0.value) }
        guard !dead.isEmpty else { return }
        plan.steps.removeAll { !live.contains($0.value) }
        plan.unusedWeights += dead.flatMap(\.weights)
        for s in dead {
            plan.decide(name, [s.name], fused: true, "not computed: nothing on the way to the output reads it")
        }
    }
}
