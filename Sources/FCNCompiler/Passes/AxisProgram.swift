// The size chain of one axis, compiled once and run for every input size by ValidSizesPass.
//
// `ValidSizesPass.chain` (ShapeRules on each node in order) is the definition; this calls the
// same OutputSize rules on plain integers (no Node copied per size), so 4096 sizes x 2 axes x
// N layers stay cheap on a spec of 60,000 layers. Size-preserving layers (relu, lrn, dropout, scale) fail only when their
// input exceeds ShapeRules.maxSize; reading another size-preserving layer or the input
// (both already checked, earlier in topological order) they cannot fail first, so they are
// left out and read their source's slot.

import FCNPlan

struct AxisProgram {
    enum Kind {
        case conv(kernel: Int, stride: Int, pad: Int, dilation: Int)
        case pool(kernel: Int, stride: Int, pad: Int, rounding: Rounding)
        case deconv(kernel: Int, stride: Int, pad: Int, dilation: Int)
        case crop(offset: Int, like: Int?)
        case resize(like: Int?)
        case preserve
        case sameSize(first: Int, count: Int)   // sum, concat: slots in `sumInputs`
    }

    /// Slots are dense: 0 is the network input, step k writes slot k + 1, so the sizes of a
    /// run fit in `steps.count + 1` integers however many layers were left out.
    struct Step {
        var kind: Kind
        var node: Int   // the layer (named when it fails)
        var input: Int  // slot read
    }

    let names: [String]
    let steps: [Step]
    let sumInputs: [Int]
    let output: Int

    init(_ g: Graph, axis: Int) {
        var slot = [Int](repeating: 0, count: g.nodes.count)   // node -> the slot holding its size
        var preserving = [Bool](repeating: false, count: g.nodes.count)
        var steps: [Step] = [], sumInputs: [Int] = []
        for id in g.nodes.indices {
            let n = g.nodes[id], p = n.params
            let input = n.inputs.first.map { slot[$0] } ?? 0
            slot[id] = steps.count + 1   // the step appended below (overwritten for left-out layers)
            switch n.op {
            case .input:
                preserving[id] = true
                slot[id] = 0
                continue
            case .relu, .lrn, .dropout, .scale, .batchnorm:
                preserving[id] = true
                if let src = n.inputs.first, preserving[src] { slot[id] = slot[src]; continue }
                steps.append(Step(kind: .preserve, node: id, input: input))
            case .conv:
                steps.append(Step(kind: .conv(kernel: p.kernel[axis], stride: p.stride[axis], pad: p.pad[axis], dilation: p.dilation[axis]), node: id, input: input))
            case .pool:
                steps.append(Step(kind: .pool(kernel: p.kernel[axis], stride: p.stride[axis], pad: p.pad[axis], rounding: p.rounding), node: id, input: input))
            case .deconv:
                steps.append(Step(kind: .deconv(kernel: p.kernel[axis], stride: p.stride[axis], pad: p.pad[axis], dilation: p.dilation[axis]), node: id, input: input))
            case .crop:
                steps.append(Step(kind: .crop(offset: n.cropOffset?[axis] ?? 0, like: n.like.map { slot[$0] }), node: id, input: input))
            case .resize:
                steps.append(Step(kind: .resize(like: n.like.map { slot[$0] }), node: id, input: input))
            case .sum, .concat:
                steps.append(Step(kind: .sameSize(first: sumInputs.count, count: n.inputs.count), node: id, input: input))
                sumInputs += n.inputs.map { slot[$0] }
            }
        }
        self.names = g.nodes.map(\.name)
        self.steps = steps
        self.sumInputs = sumInputs
        self.output = slot[g.output]
    }

    /// The output size for input `size`, or the first failing layer.
    func run(_ size: Int) -> Result<Int, ValidSizesPass.Failure> {
        var sizes = [Int](repeating: 0, count: steps.count + 1)
        return run(size, scratch: &sizes)
    }

    /// As `run(_:)`, reusing `sizes` (steps.count + 1 integers) across calls.
    func run(_ size: Int, scratch sizes: inout [Int]) -> Result<Int, ValidSizesPass.Failure> {
        sizes[0] = size
        return sizes.withUnsafeMutableBufferPointer { sizes in
            steps.withUnsafeBufferPointer { steps in
                for (k, step) in steps.enumerated() {
                    if let out = Self.outSize(step, sizes, sumInputs) {
                        sizes[k + 1] = out
                    } else {
                        return .failure(ValidSizesPass.Failure(layer: names[step.node]))
                    }
                }
                return .success(sizes[output])
            }
        }
    }

    /// ShapeRules.outSize on plain integers (nil: the layer fails at this size).
    @inline(__always)
    private static func outSize(_ step: Step, _ sizes: UnsafeMutableBufferPointer<Int>, _ sumInputs: [Int]) -> Int? {
        let size = sizes[step.input]
        guard size <= ShapeRules.maxSize else { return nil }
        switch step.kind {
        case .conv(let k, let s, let pad, let d):
            return try? OutputSize.conv(size, kernel: k, stride: s, pad: pad, dilation: d).get()
        case .pool(let k, let s, let pad, let rounding):
            return try? OutputSize.pool(size, kernel: k, stride: s, pad: pad, rounding: rounding).get()
        case .deconv(let k, let s, let pad, let d):
            return try? OutputSize.deconv(size, kernel: k, stride: s, pad: pad, dilation: d).get()
        case .crop(let off, let like):
            let ref = like.map { sizes[$0] } ?? size
            guard size - off >= ref else { return nil }
            return ref
        case .resize(let like):
            return like.map { sizes[$0] } ?? size
        case .preserve:
            return size
        case .sameSize(let first, let count):
            for k in first..<(first + count) where sizes[sumInputs[k]] != size { return nil }
            return size
        }
    }
}
