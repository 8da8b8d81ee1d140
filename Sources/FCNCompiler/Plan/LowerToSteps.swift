// Lowering: one step per graph node (the input excepted), each reading whole buffers.
// The plan passes then rewrite this list; see PlanPipeline.swift for their order.

import FCNSpec

public enum LowerToSteps {
    static func kind(_ op: OpKind) -> StepKind {
        switch op {
        case .conv: return .conv
        case .deconv: return .deconv
        case .pool: return .pool
        case .relu: return .relu
        case .lrn: return .lrn
        case .dropout: return .dropout
        case .scale: return .scale
        case .crop: return .crop
        case .sum: return .sum
        case .input: fatalError("the input is not a step")
        }
    }

    public static func weights(_ n: Node, inChannels: Int) -> [WeightRef] {
        let p = n.params
        var out: [WeightRef] = []
        switch n.op {
        case .conv:
            out.append(WeightRef(name: "\(n.name).weight", shape: [p.out, inChannels / p.group, p.kernel.h, p.kernel.w]))
        case .deconv where p.upsampler == .learned:
            out.append(WeightRef(name: "\(n.name).weight", shape: [inChannels, p.out / p.group, p.kernel.h, p.kernel.w]))
        default:
            return []
        }
        if p.bias { out.append(WeightRef(name: "\(n.name).bias", shape: [p.out])) }
        return out
    }

    public static func source(_ n: Node) -> SourceRef {
        SourceRef(name: n.name, op: n.op.rawValue, location: n.location.description)
    }

    public static func run(_ c: Compilation) -> Plan {
        let g = c.graph
        var steps: [Step] = []
        for (id, n) in g.nodes.enumerated() where n.op != .input {
            let p = n.params
            var a = StepAttributes()
            switch n.op {
            case .conv, .deconv, .pool:
                a.kernel = [p.kernel.h, p.kernel.w]
                a.stride = [p.stride.h, p.stride.w]
                a.pad = [p.pad.h, p.pad.w]
                if n.op != .pool { a.dilation = [p.dilation.h, p.dilation.w]; a.group = p.group }
                if n.op == .pool { a.method = p.method.rawValue; a.rounding = p.rounding.rawValue }
                if n.op == .deconv {
                    a.upsampler = p.upsampler?.rawValue
                    if p.upsampler == .learned { a.initializer = p.initializer?.rawValue }
                }
            case .lrn: a.lrn = [Double(p.lrnSize), p.alpha, p.beta, p.lrnK]
            case .scale: a.value = p.value
            default: break
            }
            let inShape = c.shapes[n.inputs[0]]
            let inputs = n.inputs.map { StepInput(value: $0, slot: nil, shape: c.shapes[$0].array, window: nil) }
            var step = Step(kind: kind(n.op), inputs: inputs, value: id, slot: nil, shape: c.shapes[id].array,
                            outputWindow: nil, attributes: a, weights: weights(n, inChannels: inShape.c),
                            macs: Summaries.macs(n, input: inShape, output: c.shapes[id]), scratchBytes: 0,
                            inPlace: false, sources: [source(n)])
            if n.op == .crop, let off = n.cropOffset {
                step.inputs[0].window = Window(y: off.h, x: off.w, h: c.shapes[id].h, w: c.shapes[id].w)
            }
            steps.append(step)
        }
        let totals = Plan.Totals(params: c.layers.reduce(0) { $0 + $1.params }, macs: 0, graphMacs: c.layers.reduce(0) { $0 + $1.macs })
        var plan = Plan(model: c.spec.name, input: c.shapes[0].array, output: c.shapes[g.output].array, inputSlot: nil,
                        outputValue: g.output,
                        preprocessing: .init(order: c.spec.input.order.rawValue, mean: c.spec.input.mean, scale: c.spec.input.scale),
                        layers: c.layers, steps: steps, slots: [], fusion: [], memory: nil, totals: totals)
        plan.totals.macs = steps.reduce(0) { $0 + $1.macs }
        return plan
    }
}
