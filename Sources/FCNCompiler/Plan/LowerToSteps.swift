// Lowering: one step per graph node (the input excepted), each reading whole buffers, with the
// step kind, typed attributes, weights and MACs its op's definition gives. The plan passes
// then rewrite this list; see PlanPipeline.swift for their order.

import FCNPlan
import FCNSpec

public enum LowerToSteps {
    public static func weights(_ n: Node, inChannels: Int) -> [WeightRef] {
        n.op.definition.weights(n, inChannels)
    }

    public static func source(_ n: Node) -> SourceRef {
        SourceRef(name: n.name, op: n.op.rawValue, location: n.location.description)
    }

    public static func run(_ c: Compilation) -> Plan {
        let g = c.graph
        var steps: [Step] = []
        for (id, n) in g.nodes.enumerated() {
            guard let (kind, attributes) = n.op.definition.lower(n) else { continue }
            let inShape = c.shapes[n.inputs[0]]
            let inputs = n.inputs.map { StepInput(value: $0, shape: c.shapes[$0].array) }
            var step = Step(kind: kind, inputs: inputs, value: id, shape: c.shapes[id].array, attributes: attributes,
                            weights: weights(n, inChannels: inShape.c),
                            macs: Summaries.macs(n, input: inShape, output: c.shapes[id]), sources: [source(n)])
            if let off = n.cropOffset {
                step.inputs[0].window = Window(y: off.h, x: off.w, h: c.shapes[id].h, w: c.shapes[id].w)
            }
            steps.append(step)
        }
        let totals = Plan.Totals(params: c.layers.reduce(0) { $0 + $1.params }, macs: 0, graphMacs: c.layers.reduce(0) { $0 + $1.macs })
        let inputs = zip(g.inputs, c.spec.inputs).map { id, i in
            PlanInput(name: i.name, value: id, shape: c.shapes[id].array,
                      preprocessing: .init(order: i.order.rawValue, mean: i.mean, scale: i.scale, std: i.std))
        }
        let outputs = g.outputs.map { PlanOutput(name: g[$0].name, value: $0, shape: c.shapes[$0].array) }
        var plan = Plan(model: c.spec.name, inputs: inputs, outputs: outputs, layers: c.layers, steps: steps, totals: totals)
        plan.totals.macs = steps.reduce(0) { $0 + $1.macs }
        return plan
    }
}
