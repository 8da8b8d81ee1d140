// The interpreter: a plan made runnable. Built once (weights prepared, arena and scratch
// allocated from the plan's memory plan, for a batch of N), then run many times.
// Every step goes through one dispatch (StepDispatch.swift). Inputs are views of arena
// slots (with their windows); nothing is copied between steps.

import FCNPlan

public final class Executable {
    public let plan: Plan
    public let batch: Int
    let weights: [PreparedWeights]
    let arena: Tensor
    let scratch: Tensor
    let scratchCapacity: Int
    /// Float offset of each slot in the arena (already multiplied by the batch).
    let slotOffsets: [Int]
    /// The output tensors the last run returned, reused by the next run for an output whose
    /// tensor nobody else holds any more: a fresh tensor of FCN-ResNet50's two 21x520x520 outputs
    /// (45 MB) cost about 90 ms a run in page faults on a VM that hands freed memory back to its host.
    private var recycledOutputs: [Tensor?]

    /// Called after each step with the step and a view of its output (N, C, H, W).
    public var observer: ((Int, Step, Tensor) -> Void)?
    /// Called before each step runs (RunTrace times steps with it and `observer`).
    public var willRunStep: ((Int) -> Void)?

    public init(plan: Plan, weights: WeightSource?, batch: Int = 1) throws {
        guard batch >= 1 else { throw RuntimeError("batch must be at least 1") }
        guard let memory = plan.memory, !plan.slots.isEmpty, plan.inputs.allSatisfy({ $0.slot != nil }) else {
            throw RuntimeError("plan '\(plan.model)' has no memory plan")
        }
        let problems = VerifyPlan.problems(plan, forRunning: true)
        guard problems.isEmpty else { throw RuntimeError("invalid plan: " + problems.joined(separator: "; ")) }
        self.plan = plan
        self.batch = batch
        // GEMM convolutions first (their weights packed while no other prepared copy exists yet:
        // fc6's 411 MB), then the rest, each group in plan order.
        var prepared = [PreparedWeights?](repeating: nil, count: plan.steps.count)
        for pass in [true, false] {
            for (i, step) in plan.steps.enumerated() where PreparedWeights.repacks(step) == pass {
                prepared[i] = try PreparedWeights.prepare(step, from: weights)
            }
        }
        self.weights = prepared.map { $0! }
        let (arenaFloats, o1) = (memory.arenaBytes / 4).multipliedReportingOverflow(by: batch)
        guard !o1, arenaFloats < 1 << 36 else { throw RuntimeError("arena of \(memory.arenaBytes) bytes x batch \(batch) is too large") }
        arena = Tensor(shape: [arenaFloats])
        scratchCapacity = max(memory.scratchBytes / 4, 1)
        scratch = Tensor(shape: [scratchCapacity])
        slotOffsets = plan.slots.map { $0.offset / 4 * batch }
        recycledOutputs = Array(repeating: nil, count: plan.outputSteps.count)
    }

    func pointer(slot: Int?) -> UnsafeMutablePointer<Float> { arena.pointer + slotOffsets[slot ?? 0] }

    /// Runs the plan on `input` (N, C, H, W) and returns a copy of the primary output (N, C, H, W).
    /// For a plan with several inputs, use `run(inputs:)`.
    public func run(_ input: Tensor) throws -> Tensor {
        guard plan.inputs.count == 1 else {
            throw RuntimeError("the model has \(plan.inputs.count) inputs (\(plan.inputs.map(\.name).joined(separator: ", "))): give one tensor for each")
        }
        return try run(inputs: [input])[0]
    }

    /// Runs the plan on one tensor per input (N, C, H, W; in `plan.inputs` order) and returns a
    /// copy of every output (in `plan.outputs` order, primary first).
    public func run(inputs: [Tensor]) throws -> [Tensor] {
        guard inputs.count == plan.inputs.count else {
            throw RuntimeError("the model has \(plan.inputs.count) input\(plan.inputs.count == 1 ? "" : "s"); \(inputs.count) given")
        }
        for (tensor, input) in zip(inputs, plan.inputs) {
            let expected = [batch] + input.shape
            guard tensor.shape == expected else {
                throw RuntimeError("input '\(input.name)' has shape \(tensor.shape), the plan expects \(expected)")
            }
        }
        for (tensor, input) in zip(inputs, plan.inputs) {
            pointer(slot: input.slot).update(from: tensor.pointer, count: tensor.count)
        }
        for (i, step) in plan.steps.enumerated() {
            willRunStep?(i)
            try StepDispatch.run(step, weights: weights[i], in: self)
            if let observer {
                observer(i, step, Tensor(shape: [batch] + step.shape, pointer: pointer(slot: step.slot), owner: arena))
            }
        }
        return try plan.outputSteps.indices.map { i in
            guard let step = plan.outputSteps[i] else { throw RuntimeError("plan has no output step") }
            let result = reusableOutput(i, shape: [batch] + step.shape)
            result.pointer.update(from: pointer(slot: step.slot), count: result.count)
            return result
        }
    }

    /// The tensor output `i` of the last run was copied into, if the caller has let go of it and
    /// it has `shape`, else a new one (kept for the next run).
    private func reusableOutput(_ i: Int, shape: [Int]) -> Tensor {
        if recycledOutputs[i] != nil, isKnownUniquelyReferenced(&recycledOutputs[i]!), recycledOutputs[i]!.shape == shape {
            return recycledOutputs[i]!
        }
        let fresh = Tensor(shape: shape)
        recycledOutputs[i] = fresh
        return fresh
    }

    /// An input view of the arena for step input `inp`.
    func window(_ inp: StepInput) -> InputWindow {
        let base = UnsafePointer(pointer(slot: plan.isInput(inp.value) ? plan.inputs[inp.value].slot : inp.slot))
        let s = inp.shape
        guard let w = inp.window else { return InputWindow(base: base, channels: s[0], height: s[1], width: s[2]) }
        return InputWindow(base: base, bufferChannels: s[0], bufferHeight: s[1], bufferWidth: s[2],
                           y0: w.y, x0: w.x, height: w.h, width: w.w)
    }
}
