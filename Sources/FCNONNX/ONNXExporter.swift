// ONNX export: a checked Graph (crop offsets derived) plus weights -> an ONNX ModelProto,
// opset 17, IR version 8, one ONNX node per spec layer, named after it.
//
//   conv       Conv (kernel_shape, strides, pads, dilations, group); `<layer>.weight` (Cout, Cin/g, kh, kw)
//              and `<layer>.bias` as initializers
//   deconv     ConvTranspose; learned: `<layer>.weight` (Cin, Cout/g, kh, kw) from the weights;
//              fixed bilinear: `<layer>.weight` (C, C, kh, kw) with the bilinear kernel on the
//              channel diagonal, computed here (what the reference net and fcngc compute)
//   relu       Relu
//   pool       MaxPool / AveragePool (count_include_pad = 1), ceil_mode = 1 for Caffe's rounding;
//              see ONNXPoolLowering for the pools where that alone is not exact
//   lrn        LRN (size, alpha, beta, bias = k)
//   scale      Mul by a scalar Constant
//   sum        Add (a chain of Adds for more than two inputs; a Mul by a constant for each coefficient != 1)
//   batchnorm  BatchNormalization (epsilon), `<layer>.weight/.bias/.running_mean/.running_var` as initializers
//   concat     Concat, axis 1
//   resize     Resize (linear; half_pixel, or align_corners), sizes from Shape(input)[0:2] and Shape(like)[2:4]
//   crop       Slice, starts = the derived offsets, axes (2, 3); ends = offset + reference size:
//              constants in a fixed-size export, Shape(reference)[2:4] + offset in a dynamic one
//   dropout    nothing (identity at inference); an Identity when intermediates are exposed
//
// The input is "input" [N, C, H, W] float32 and the output "score"; in a dynamic export N, H and
// W are symbols, so one file serves every input size the network accepts.

import Foundation
import FCNSpec
import FCNCompiler
import FCNPlan
import FCNRuntime

public struct ONNXExportOptions: Sendable {
    /// Symbolic N, H, W and crop ends computed from shapes (true), or the compilation's input
    /// size baked in: constant crop ends and every intermediate shape declared (false).
    public var dynamic: Bool
    /// Also expose every layer's output as a graph output named after the layer.
    public var exposeIntermediates: Bool
    /// Batch size; nil keeps it symbolic ("N") in both modes.
    public var batch: Int?
    public var inputName = "input"
    public var outputName = "score"
    public var producerVersion = "1.0"

    public init(dynamic: Bool = true, exposeIntermediates: Bool = false, batch: Int? = nil) {
        self.dynamic = dynamic
        self.exposeIntermediates = exposeIntermediates
        self.batch = batch
    }
}

public struct ONNXExportError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public var layer: String?
    public var message: String
    public var details: [String]

    public init(layer: String? = nil, _ message: String, details: [String] = []) {
        self.layer = layer
        self.message = message
        self.details = details
    }

    public var description: String {
        var s = "ONNX export: " + (layer.map { "layer '\($0)': " } ?? "") + message
        for d in details { s += "\n  " + d }
        return s
    }
    public var errorDescription: String? { description }
}

/// The result of an export: the model and what the exporter wants the user to know.
public struct ONNXExport: Sendable {
    public var model: Onnx_ModelProto
    /// Layer name -> ONNX value name holding its output, in graph order (the input excluded).
    /// Dropouts map to their input's value unless intermediates are exposed.
    public var layerValues: [(layer: String, value: String)]
    /// Remarks (e.g. a pool whose exactness depends on the runtime).
    public var notes: [String]

    public func serializedData() throws -> Data { try model.serializedData() }
}

public enum ONNXExporter {
    public static let opsetVersion = 17
    /// IR version 8 (2021-07-30) is the one released with opset 17.
    public static let irVersion = 8
    /// Model metadata key listing `layer=value` pairs in graph order (see ONNXExport.layerValues).
    public static let layerValuesKey = "fcngc.layer_values"

    /// Serialized ModelProto of `compilation`'s graph with `weights`.
    public static func export(compilation: Compilation, weights: ONNXWeightSource, dynamic: Bool = true,
                              exposeIntermediates: Bool = false) throws -> Data {
        try build(compilation: compilation, weights: weights,
                  options: ONNXExportOptions(dynamic: dynamic, exposeIntermediates: exposeIntermediates)).serializedData()
    }

    /// The ModelProto (and notes) for `compilation`'s graph with `weights`. A fixed-size export
    /// uses `compilation.input`; a dynamic one is valid at every size the compiler accepts.
    /// Throws listing every missing or misshapen weight at once.
    public static func build(compilation: Compilation, weights: ONNXWeightSource,
                             options: ONNXExportOptions = ONNXExportOptions()) throws -> ONNXExport {
        var b = GraphBuilder(c: compilation, weights: weights, options: options)
        try b.run()
        return b.finish()
    }

    /// The `(C, C, kh, kw)` weights of a fixed bilinear upsampler: the 2-D bilinear kernel
    /// (outer product of the 1-D kernels of each axis) on the channel diagonal, zeros elsewhere.
    public static func bilinearDiagonal(channels c: Int, kernel: Pair) -> [Float] {
        Kernels.bilinearWeights(kernelH: kernel.h, kernelW: kernel.w, channels: c)
    }
}

// MARK: - Building

private struct GraphBuilder {
    let c: Compilation
    let g: Graph
    let weights: ONNXWeightSource
    let options: ONNXExportOptions

    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var valueInfo: [Onnx_ValueInfoProto] = []
    var extraOutputs: [Onnx_ValueInfoProto] = []
    /// ONNX value holding each graph node's output.
    var values: [String]
    var usedNames: Set<String> = []
    var problems: [String] = []
    var notes: [String] = []
    /// Per pool layer: the value holding its computed end pads (dynamic exports).
    var dynamicEnds: [String: String] = [:]

    init(c: Compilation, weights: ONNXWeightSource, options: ONNXExportOptions) {
        self.c = c
        self.g = c.graph
        self.weights = weights
        self.options = options
        self.values = Array(repeating: "", count: c.graph.nodes.count)
    }

    var batchDim: ONNXDim { options.batch.map { .value($0) } ?? .symbol("N") }

    /// A fresh value/auxiliary name: `base`, or `base_2`, `base_3`, ... if taken.
    mutating func fresh(_ base: String) -> String {
        var name = base, i = 2
        while usedNames.contains(name) { name = "\(base)_\(i)"; i += 1 }
        usedNames.insert(name)
        return name
    }

    mutating func add(_ op: String, name: String, inputs: [String], outputs: [String],
                      _ attributes: [Onnx_AttributeProto] = []) {
        nodes.append(Onnx_NodeProto(op, name: name, inputs: inputs, outputs: outputs, attributes: attributes))
    }

    /// A Constant node producing an int64 vector; returns its value name.
    mutating func constInts(_ name: String, _ v: [Int]) -> String {
        let out = fresh(name)
        add("Constant", name: out, inputs: [], outputs: [out], [.tensor("value", .int64(out, dims: [v.count], values: v))])
        return out
    }

    /// A Constant node producing a float scalar; returns its value name.
    mutating func constScalar(_ name: String, _ v: Float) -> String {
        let out = fresh(name)
        add("Constant", name: out, inputs: [], outputs: [out], [.tensor("value", .float(out, dims: [], values: [v]))])
        return out
    }

    mutating func run() throws {
        // Reserve the graph's interface names and every layer name first, so auxiliary names
        // never take a layer's name.
        for id in g.inputs { usedNames.insert(inputName(id)) }
        for id in g.outputs { usedNames.insert(outputName(id)) }
        for n in g.nodes { usedNames.insert(n.name) }
        for id in g.nodes.indices { usedNames.formUnion(expectedWeights(id)) }

        // Layers off every path to the output are not exported (fcngc does not compute them either).
        let live = Liveness.live(outputs: g.outputs) { g[$0].inputs + (g[$0].like.map { [$0] } ?? []) }
        let interface = Set(g.inputs.map(inputName) + g.outputs.map(outputName))
        for (id, n) in g.nodes.enumerated() {
            if n.op == .input { values[id] = inputName(id); continue }
            guard live.contains(id) else { continue }
            // The node's own output value: the layer name, except the graph output ("score") and
            // layers whose name collides with the interface names.
            let out: String
            if g.outputs.contains(id) {
                out = outputName(id)
            } else if interface.contains(n.name) {
                out = fresh(n.name + "_out")
            } else {
                out = n.name
            }
            try lower(id, n, out: out)
        }
        if !problems.isEmpty {
            throw ONNXExportError("the weights do not match the model (\(problems.count) problem\(problems.count == 1 ? "" : "s"))",
                                  details: problems)
        }
    }

    /// Names of the tensors node `id` turns into initializers (fixed upsamplers included).
    func expectedWeights(_ id: NodeID) -> [String] {
        let n = g[id]
        guard n.op != .input else { return [] }
        var names = LowerToSteps.weights(n, inChannels: c.shapes[n.inputs[0]].c).map(\.name)
        if n.params.upsampler == .fixedBilinear { names.insert(WeightRef.name(layer: n.name, .weight), at: 0) }
        return names
    }

    /// Adds `<layer>.weight`/`.bias` initializers for node `id`; returns their names in Conv order.
    mutating func weightInputs(_ id: NodeID) -> [String] {
        let n = g[id]
        var names: [String] = []
        for r in LowerToSteps.weights(n, inChannels: c.shapes[n.inputs[0]].c) {
            guard let w = weights.onnxWeight(named: r.name) else {
                problems.append("missing: '\(r.name)' (expected shape \(r.shape))")
                continue
            }
            if w.shape != r.shape || w.values.count != r.shape.reduce(1, *) {
                problems.append("wrong shape: '\(r.name)' expected \(r.shape), found \(w.shape)")
                continue
            }
            initializers.append(.float(r.name, dims: r.shape, values: w.values))
            names.append(r.name)
        }
        return names
    }

    mutating func lower(_ id: NodeID, _ n: Node, out: String) throws {
        let p = n.params
        let x = values[n.inputs[0]]
        let spatial: [Onnx_AttributeProto] = [
            .ints("kernel_shape", [p.kernel.h, p.kernel.w]),
            .ints("strides", [p.stride.h, p.stride.w]),
            .ints("pads", [p.pad.h, p.pad.w, p.pad.h, p.pad.w]),
            .ints("dilations", [p.dilation.h, p.dilation.w]),
            .int("group", p.group),
        ]
        values[id] = out
        switch n.op {
        case .input:
            return
        case .conv:
            add("Conv", name: n.name, inputs: [x] + weightInputs(id), outputs: [out], spatial)
        case .deconv:
            var inputs = [x]
            if p.upsampler == .fixedBilinear {
                let cin = c.shapes[n.inputs[0]].c
                let name = "\(n.name).weight"
                if let w = weights.onnxWeight(named: name) {
                    // A checkpoint may carry the fixed upsampler's weights (pytorch-fcn does): they
                    // are not used, but say so if they are not the bilinear ones.
                    let expected = ONNXExporter.bilinearDiagonal(channels: cin, kernel: p.kernel)
                    if w.shape != [cin, cin, p.kernel.h, p.kernel.w]
                        || zip(w.values, expected).contains(where: { abs($0 - $1) > 1e-6 }) {
                        notes.append("'\(name)' in the weights is not the fixed bilinear kernel; exported the bilinear one (the spec says learn: false)")
                    }
                }
                initializers.append(.float(name, dims: [cin, cin, p.kernel.h, p.kernel.w],
                                           values: ONNXExporter.bilinearDiagonal(channels: cin, kernel: p.kernel)))
                inputs.append(name)
                inputs += weightInputs(id)   // a bias, if the spec asks for one
            } else {
                inputs += weightInputs(id)
            }
            add("ConvTranspose", name: n.name, inputs: inputs, outputs: [out], spatial)
        case .relu:
            add("Relu", name: n.name, inputs: [x], outputs: [out])
        case .dropout:
            if options.exposeIntermediates || g.outputs.contains(id) {
                add("Identity", name: n.name, inputs: [x], outputs: [out])
            } else {
                values[id] = x   // identity at inference: no node
            }
        case .scale:
            let k = constScalar("\(n.name)/value", Float(p.value))
            add("Mul", name: n.name, inputs: [x, k], outputs: [out])
        case .sum:
            // Coefficients (Caffe's Eltwise coeff) as a Mul per input that is not multiplied by 1.
            let terms = n.inputs.enumerated().map { i, j -> String in
                guard i < p.coefficients.count, p.coefficients[i] != 1 else { return values[j] }
                let k = constScalar("\(n.name)/coefficient\(i)", Float(p.coefficients[i]))
                let o = fresh("\(n.name)/term\(i)")
                add("Mul", name: o, inputs: [values[j], k], outputs: [o])
                return o
            }
            var acc = terms[0]
            for (i, t) in terms.dropFirst().enumerated() {
                let last = i == terms.count - 2
                let o = last ? out : fresh("\(n.name)/partial\(i + 1)")
                add("Add", name: last ? n.name : o, inputs: [acc, t], outputs: [o])
                acc = o
            }
        case .batchnorm:
            add("BatchNormalization", name: n.name, inputs: [x] + weightInputs(id), outputs: [out], [.float("epsilon", Float(p.eps))])
        case .concat:
            add("Concat", name: n.name, inputs: n.inputs.map { values[$0] }, outputs: [out], [.int("axis", 1)])
        case .resize:
            // sizes = N, C of the input and H, W of the reference, read from their shapes (so a
            // dynamic export resizes to whatever size the reference has at run time).
            guard let like = n.like else { throw ONNXExportError(layer: n.name, "resize without a reference") }
            let nc = fresh("\(n.name)/nc"), hw = fresh("\(n.name)/hw"), sizes = fresh("\(n.name)/sizes")
            add("Shape", name: nc, inputs: [x], outputs: [nc], [.int("start", 0), .int("end", 2)])
            add("Shape", name: hw, inputs: [values[like]], outputs: [hw], [.int("start", 2), .int("end", 4)])
            add("Concat", name: sizes, inputs: [nc, hw], outputs: [sizes], [.int("axis", 0)])
            add("Resize", name: n.name, inputs: [x, "", "", sizes], outputs: [out], [
                .string("mode", "linear"),
                .string("coordinate_transformation_mode", p.alignCorners ? "align_corners" : "half_pixel"),
            ])
        case .lrn:
            add("LRN", name: n.name, inputs: [x], outputs: [out], [
                .int("size", p.lrnSize), .float("alpha", Float(p.alpha)), .float("beta", Float(p.beta)),
                .float("bias", Float(p.lrnK)),
            ])
        case .pool:
            try lowerPool(id, n, x: x, out: out)
        case .crop:
            guard let off = n.cropOffset, let like = n.like else {
                throw ONNXExportError(layer: n.name, "crop without a derived offset or reference")
            }
            let starts = constInts("\(n.name)/starts", [off.h, off.w])
            let axes = constInts("\(n.name)/axes", [2, 3])
            let ends: String
            if options.dynamic {
                let refHW = fresh("\(n.name)/ref_hw")
                add("Shape", name: refHW, inputs: [values[like]], outputs: [refHW], [.int("start", 2), .int("end", 4)])
                ends = fresh("\(n.name)/ends")
                add("Add", name: ends, inputs: [refHW, starts], outputs: [ends])
            } else {
                let r = c.shapes[like]
                ends = constInts("\(n.name)/ends", [off.h + r.h, off.w + r.w])
            }
            add("Slice", name: n.name, inputs: [x, starts, ends, axes], outputs: [out])
        }
        if !g.outputs.contains(id) { declare(id) }
    }

    mutating func lowerPool(_ id: NodeID, _ n: Node, x: String, out: String) throws {
        let p = n.params
        let op = p.method == .max ? "MaxPool" : "AveragePool"
        var common: [Onnx_AttributeProto] = [
            .ints("kernel_shape", [p.kernel.h, p.kernel.w]),
            .ints("strides", [p.stride.h, p.stride.w]),
        ]
        if p.method == .avg { common.append(.int("count_include_pad", 1)) }
        let floorNoPads = common + [.ints("pads", [0, 0, 0, 0]), .int("ceil_mode", 0)]
        let inShape = c.shapes[n.inputs[0]]
        let lowering = try ONNXPoolLowering.choose(p, inputSize: options.dynamic ? nil : Pair(inShape.h, inShape.w), layer: n.name)
        switch lowering {
        case .direct(let ceil):
            add(op, name: n.name, inputs: [x], outputs: [out],
                common + [.ints("pads", [p.pad.h, p.pad.w, p.pad.h, p.pad.w]), .int("ceil_mode", ceil ? 1 : 0)])
        case .floorWithEndPads(let end):
            add(op, name: n.name, inputs: [x], outputs: [out],
                common + [.ints("pads", [p.pad.h, p.pad.w, end.h, end.w]), .int("ceil_mode", 0)])
        case .explicitPad(let end):
            let padded = padInput(n, x: x, end: end, value: p.method == .max ? -Float.greatestFiniteMagnitude : 0)
            add(op, name: n.name, inputs: [padded], outputs: [out], floorNoPads)
        case .averageWithDivisor(let end):
            // sum / count = AveragePool(zero-padded x) / AveragePool(1 on [-p, n + p), 0 beyond).
            let padded = padInput(n, x: x, end: end, value: 0)
            let mean = fresh("\(n.name)/mean")
            add("AveragePool", name: mean, inputs: [padded], outputs: [mean], floorNoPads)
            let fraction: String
            if let end {
                fraction = constFloats("\(n.name)/fraction", dims: [1, 1, c.shapes[id].h, c.shapes[id].w],
                                       divisorFractions(p, input: Pair(inShape.h, inShape.w), end: end))
            } else {
                let hw = inputHW(n, x: x)
                let extent = fresh("\(n.name)/extent")
                add("Add", name: extent, inputs: [hw, constInts("\(n.name)/twice_pad", [2 * p.pad.h, 2 * p.pad.w])], outputs: [extent])
                let maskShape = fresh("\(n.name)/mask_shape")
                add("Concat", name: maskShape, inputs: [constInts("\(n.name)/one_one", [1, 1]), extent], outputs: [maskShape], [.int("axis", 0)])
                let ones = fresh("\(n.name)/ones")
                add("ConstantOfShape", name: ones, inputs: [maskShape], outputs: [ones], [.tensor("value", .float(ones + "/value", dims: [1], values: [1]))])
                // The mask already covers the begin pad; its end pad is end - p (negative crops).
                let endMinusP = fresh("\(n.name)/end_minus_pad")
                add("Sub", name: endMinusP, inputs: [dynamicEnd(n, x: x), constInts("\(n.name)/pad", [p.pad.h, p.pad.w])], outputs: [endMinusP])
                let maskPads = fresh("\(n.name)/mask_pads")
                add("Concat", name: maskPads, inputs: [constInts("\(n.name)/zeros6", [0, 0, 0, 0, 0, 0]), endMinusP], outputs: [maskPads], [.int("axis", 0)])
                let mask = fresh("\(n.name)/mask")
                add("Pad", name: mask, inputs: [ones, maskPads, constScalar("\(n.name)/zero", 0)], outputs: [mask], [.string("mode", "constant")])
                let raw = fresh("\(n.name)/fraction_raw")
                add("AveragePool", name: raw, inputs: [mask], outputs: [raw], floorNoPads)
                // A window holding only padding beyond n + p (pad 0, stride > kernel) counts 0;
                // its sum is 0 too, and Caffe's (and fcngc's) value is 0.
                fraction = fresh("\(n.name)/fraction")
                add("Max", name: fraction, inputs: [raw, constScalar("\(n.name)/tiny", Float.leastNormalMagnitude)], outputs: [fraction])
            }
            add("Div", name: n.name, inputs: [mean, fraction], outputs: [out])
        }
    }

    /// A Constant node producing a float tensor; returns its value name.
    mutating func constFloats(_ name: String, dims: [Int], _ v: [Float]) -> String {
        let out = fresh(name)
        add("Constant", name: out, inputs: [], outputs: [out], [.tensor("value", .float(out, dims: dims, values: v))])
        return out
    }

    /// count / k^2 for each output window of a fixed-size pool (1 where the count is 0): the
    /// window clipped to [-p, n + p), separable per axis.
    func divisorFractions(_ p: Params, input n: Pair, end: Pair) -> [Float] {
        func axis(_ a: Int) -> [Double] {
            let k = p.kernel[a], s = p.stride[a], pad = p.pad[a]
            let count = (n[a] + pad + end[a] - k) / s + 1
            return (0..<count).map { o in
                let start = o * s - pad
                let covered = min(start + k, n[a] + pad) - max(start, -pad)
                return covered > 0 ? Double(covered) / Double(k) : 1
            }
        }
        let fy = axis(0), fx = axis(1)
        return fy.flatMap { y in fx.map { Float(y * $0) } }
    }

    /// Shape(x)[2:4], the pool input's (H, W).
    mutating func inputHW(_ n: Node, x: String) -> String {
        let hw = fresh("\(n.name)/in_hw")
        add("Shape", name: hw, inputs: [x], outputs: [hw], [.int("start", 2), .int("end", 4)])
        return hw
    }

    /// x padded by (p, end) per axis with `value`: constant pads, or pads computed from x's shape.
    mutating func padInput(_ n: Node, x: String, end: Pair?, value: Float) -> String {
        let p = n.params
        let pads: String
        if let end {
            pads = constInts("\(n.name)/pads", [0, 0, p.pad.h, p.pad.w, 0, 0, end.h, end.w])
        } else {
            pads = fresh("\(n.name)/pads")
            let begin = constInts("\(n.name)/begin", [0, 0, p.pad.h, p.pad.w, 0, 0])
            add("Concat", name: pads, inputs: [begin, dynamicEnd(n, x: x)], outputs: [pads], [.int("axis", 0)])
        }
        let fill = constScalar("\(n.name)/fill", value)
        let padded = fresh("\(n.name)/padded")
        add("Pad", name: padded, inputs: [x, pads, fill], outputs: [padded], [.string("mode", "constant")])
        return padded
    }

    /// The end pads [endH, endW] computed from the pool input's shape so a floor-mode pool gives
    /// Caffe's count: last = min(ceil((n + 2p - k)/s), floor((n + p - 1)/s)) (the second term
    /// only when p > 0), end = last*s + k - p - n. Cached per layer.
    mutating func dynamicEnd(_ n: Node, x: String) -> String {
        if let v = dynamicEnds[n.name] { return v }
        let p = n.params
        let k = [p.kernel.h, p.kernel.w], s = [p.stride.h, p.stride.w], pad = [p.pad.h, p.pad.w]
        let hw = inputHW(n, x: x)
        let sv = constInts("\(n.name)/stride", s)
        // ceil((n + 2p - k)/s) = (n + 2p - k + s - 1) div s (the numerator is >= 0 for a valid size).
        let a = fresh("\(n.name)/ceil_num")
        add("Add", name: a, inputs: [hw, constInts("\(n.name)/ceil_add", (0..<2).map { 2 * pad[$0] - k[$0] + s[$0] - 1 })], outputs: [a])
        let ceilQ = fresh("\(n.name)/ceil_q")
        add("Div", name: ceilQ, inputs: [a, sv], outputs: [ceilQ])
        // floor((n + p - 1)/s): the last start inside the input or its left padding; with p = 0
        // Caffe has no such limit, so add a huge number instead.
        let huge = 1 << 40
        let b = fresh("\(n.name)/start_num")
        add("Add", name: b, inputs: [hw, constInts("\(n.name)/start_add", (0..<2).map { pad[$0] > 0 ? pad[$0] - 1 : huge })], outputs: [b])
        let startQ = fresh("\(n.name)/start_q")
        add("Div", name: startQ, inputs: [b, sv], outputs: [startQ])
        let last = fresh("\(n.name)/last")
        add("Min", name: last, inputs: [ceilQ, startQ], outputs: [last])
        let span = fresh("\(n.name)/span")
        add("Mul", name: span, inputs: [last, sv], outputs: [span])
        let e1 = fresh("\(n.name)/end_num")
        add("Add", name: e1, inputs: [span, constInts("\(n.name)/end_add", (0..<2).map { k[$0] - pad[$0] })], outputs: [e1])
        let end = fresh("\(n.name)/end")
        add("Sub", name: end, inputs: [e1, hw], outputs: [end])
        dynamicEnds[n.name] = end
        return end
    }

    /// Declares the shape of node `id`'s value (value_info, or a graph output for intermediates).
    mutating func declare(_ id: NodeID) {
        let n = g[id]
        let v = values[id]
        // A dropout without a node has no value of its own.
        if v == values[n.inputs[0]] { return }
        let info = Onnx_ValueInfoProto.floatTensor(v, dims(id))
        if options.exposeIntermediates { extraOutputs.append(info) } else { valueInfo.append(info) }
    }

    /// The graph input's name: `options.inputName` for a model with one input, else the spec's name.
    func inputName(_ id: NodeID) -> String { g.inputs.count == 1 ? options.inputName : g[id].name }
    /// The graph output's name: `options.outputName` for a model with one output, else the layer's.
    func outputName(_ id: NodeID) -> String { g.outputs.count == 1 ? options.outputName : g[id].name }

    func dims(_ id: NodeID) -> [ONNXDim] {
        let s = c.shapes[id]
        if !options.dynamic { return [batchDim, .value(s.c), .value(s.h), .value(s.w)] }
        if g[id].op == .input || followsInputSize(id) { return [batchDim, .value(s.c), .symbol("H"), .symbol("W")] }
        return [batchDim, .value(s.c), .unknown, .unknown]
    }

    /// Whether node `id` always has the input's spatial size (a crop to the input, or an
    /// element-wise layer of one).
    func followsInputSize(_ id: NodeID) -> Bool {
        let n = g[id], d = n.op.definition
        switch d.coord {
        case .source: return true
        case .crop: return n.like.map { g[$0].op == .input || followsInputSize($0) } == true
        case .elementwise: return d.inputs == .one ? followsInputSize(n.inputs[0]) : n.inputs.contains(where: followsInputSize)
        case .resample: return n.like.map { g[$0].op == .input || followsInputSize($0) } == true
        case .convLike, .deconvLike: return false
        }
    }

    func finish() -> ONNXExport {
        var graph = Onnx_GraphProto()
        graph.name = c.spec.name
        graph.node = nodes
        graph.initializer = initializers
        graph.input = g.inputs.map { id in
            .floatTensor(inputName(id), options.dynamic
                ? [batchDim, .value(g[id].params.out), .symbol("H"), .symbol("W")]
                : [batchDim, .value(g[id].params.out), .value(c.input.h), .value(c.input.w)],
                doc: "NCHW float32, preprocessed as metadata fcngc.input.* says")
        }
        graph.output = g.outputs.map { .floatTensor(outputName($0), dims($0), doc: "scores of layer '\(g[$0].name)'") }
            + extraOutputs
        graph.valueInfo = valueInfo
        let crops = g.nodes.filter { $0.op == .crop }.map { "\($0.name) \($0.cropOffset.map { "\($0.h),\($0.w)" } ?? "?")" }
        graph.docString = "\(c.spec.name) exported by fcngc; crop offsets (h,w): \(crops.joined(separator: "; "))"

        var model = Onnx_ModelProto()
        model.irVersion = Int64(ONNXExporter.irVersion)
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(ONNXExporter.opsetVersion)
        model.opsetImport = [opset]
        model.producerName = "fcngc"
        model.producerVersion = options.producerVersion
        model.graph = graph
        let layerValues = g.nodes.enumerated().filter { $0.element.op != .input && !values[$0.offset].isEmpty }.map { (layer: $0.element.name, value: values[$0.offset]) }
        func meta(_ k: String, _ v: String) -> Onnx_StringStringEntryProto {
            var e = Onnx_StringStringEntryProto(); e.key = k; e.value = v; return e
        }
        model.metadataProps = [
            meta("fcngc.model", c.spec.name),
            meta("fcngc.input.order", c.spec.input.order.rawValue),
            meta("fcngc.input.mean", c.spec.input.mean.map { "\($0)" }.joined(separator: ",")),
            meta("fcngc.input.scale", "\(c.spec.input.scale)"),
            meta("fcngc.input.std", c.spec.input.std.map { "\($0)" }.joined(separator: ",")),
            meta("fcngc.inputs", c.spec.inputs.map { "\($0.name):\($0.channels.value)" }.joined(separator: ",")),
            meta("fcngc.export", options.dynamic ? "dynamic" : "fixed \(c.input.h)x\(c.input.w)"),
            meta(ONNXExporter.layerValuesKey, layerValues.map { "\($0.layer)=\($0.value)" }.joined(separator: ",")),
        ]
        // Class names, one per output channel in label order (JSON array: names may hold commas).
        if let names = c.spec.classNames { model.metadataProps.append(meta("fcngc.classes", ClassNamesJSON.encode(names))) }
        return ONNXExport(model: model, layerValues: layerValues, notes: notes)
    }
}
