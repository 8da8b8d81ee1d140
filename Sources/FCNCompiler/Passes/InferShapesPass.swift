// Computes every node's output shape for one input size with Caffe's rules (ShapeRules),
// and reports, at the layer and key responsible: a kernel larger than its padded input,
// a crop whose input is too small for its offset, and tensors too large to address
// (more than 2^31 - 1 elements, the limit of a BLAS dimension).

import FCNPlan
import FCNSpec

public struct InferShapesPass {
    public let diagnostics: Diagnostics
    public init(diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public static let maxElements = Int(Int32.max)

    /// Shapes indexed by NodeID, or nil (with diagnostics) if any layer fails at this size.
    public func run(_ g: Graph, input: Pair) -> [Shape]? {
        var shapes = [Shape?](repeating: nil, count: g.nodes.count)
        var ok = true
        for (id, n) in g.nodes.enumerated() {
            if n.op == .input {
                // A library caller can ask for any Pair; a size below 1 would "compile" to empty
                // or negative shapes.
                guard input.h >= 1, input.w >= 1 else {
                    diagnostics.error(.inputTooSmall, "input size \(input.h)x\(input.w) is not positive", at: n.location)
                    return nil
                }
                shapes[id] = Shape(n.params.out, input.h, input.w)
                continue
            }
            guard let inShape = shapes[n.inputs[0]] else { ok = false; continue }
            if n.op == .crop, n.cropOffset == nil { ok = false; continue }
            let ref = n.like.map { shapes[$0] } ?? nil
            if n.like != nil, ref == nil { ok = false; continue }
            var dims = [0, 0]
            var failed = false
            for axis in 0..<2 {
                switch ShapeRules.outSize(n, axis: axis, input: inShape[axis], reference: ref?[axis]) {
                case .success(let s): dims[axis] = s
                case .failure(let problem):
                    report(problem, n, axis: axis, input: input, g)
                    failed = true
                }
                if failed { break }
            }
            if n.op.definition.inputs != .one {
                for j in n.inputs.dropFirst() {
                    if let s = shapes[j], s.h != inShape.h || s.w != inShape.w {
                        let verb = n.op == .sum ? "adds" : "joins"
                        diagnostics.error(.sizeMismatch,
                            "\(n.op.rawValue) '\(n.name)' \(verb) '\(g[n.inputs[0]].name)' (\(inShape)) and '\(g[j].name)' (\(s)) at input \(input.h)x\(input.w): spatial sizes differ",
                            at: n.location, fix: "crop the larger input like the smaller one")
                        failed = true
                    }
                }
            }
            if failed { ok = false; continue }
            if n.op == .conv || n.op == .deconv {
                // The weight tensor (C_out, C_in/g, kh, kw) or (C_in, C_out/g, kh, kw) must be
                // addressable too; this also bounds the parameter and MAC counts of the summary.
                let p = n.params, inC = g[n.inputs[0]].channels
                let factors = n.op == .conv ? [n.channels, inC / p.group, p.kernel.h, p.kernel.w]
                                            : [inC, n.channels / p.group, p.kernel.h, p.kernel.w]
                var weights = 1, overflow = false
                for f in factors where !overflow { (weights, overflow) = weights.multipliedReportingOverflow(by: f) }
                if overflow || weights > Self.maxElements {
                    diagnostics.error(.sizeOverflow,
                        "'\(n.name)' would have \(factors.map(String.init).joined(separator: "x")) weights, more than \(Self.maxElements)",
                        at: n.at("kernel"), fix: "use fewer channels or a smaller kernel")
                    ok = false
                    continue
                }
            }
            let (hw, o1) = dims[0].multipliedReportingOverflow(by: dims[1])
            let (count, o2) = hw.multipliedReportingOverflow(by: max(n.channels, 1))
            if o1 || o2 || count > Self.maxElements {
                diagnostics.error(.sizeOverflow,
                    "'\(n.name)' would hold \(n.channels)x\(dims[0])x\(dims[1]) values at input \(input.h)x\(input.w), more than \(Self.maxElements)",
                    at: n.location, fix: "use a smaller input")
                ok = false
                continue
            }
            shapes[id] = Shape(n.channels, dims[0], dims[1])
        }
        return ok ? shapes.map { $0! } : nil
    }

    func report(_ problem: SizeProblem, _ n: Node, axis: Int, input: Pair, _ g: Graph) {
        let axisName = axis == 0 ? "height" : "width"
        switch problem {
        case .kernelTooLarge(let padded, let extent):
            if n.op == .deconv {
                diagnostics.error(.kernelTooLarge, "'\(n.name)' would have no output \(axisName) (\(padded)) at input \(input.h)x\(input.w): its pad is larger than its kernel",
                                  at: n.at("pad"))
            } else {
                diagnostics.error(.kernelTooLarge,
                    "\(n.op.rawValue) '\(n.name)' has a kernel of \(extent) but its padded input \(axisName) is only \(padded) at input \(input.h)x\(input.w)",
                    at: n.at("kernel"), notes: [.init("its input is '\(g[n.inputs[0]].name)'", at: g[n.inputs[0]].location)],
                    fix: "use a larger input (`fcngc compile --emit layers` prints the smallest valid one), or pad more")
            }
        case .cropTooSmall(let size, let offset, let reference):
            let x = g[n.inputs[0]], r = g[n.like ?? 0]
            diagnostics.error(.cropTooSmall,
                "cannot crop '\(x.name)' (\(axisName) \(size)) at offset \(offset) to '\(r.name)' (\(axisName) \(reference)) at input \(input.h)x\(input.w): it needs \(offset + reference)",
                at: n.location, notes: [.init("'\(x.name)' defined here", at: x.location)],
                fix: "pad the first convolution more (the reference FCN pads conv1_1 by 100 so every crop fits)")
        case .overflow:
            diagnostics.error(.sizeOverflow, "'\(n.name)' output \(axisName) overflows at input \(input.h)x\(input.w)", at: n.location)
        }
    }
}
