// The one place that says what each Caffe layer type is in fcngc: a layer kind with its
// attributes, an input, something dropped at inference, or an error. Adding a kind (a Caffe type
// mapped to a new spec kind, say) starts here and in SpecLayerWriter.

import FCNSpec
import FCNCompiler

enum CaffeLayerRole {
    /// Its tops are candidate network inputs (Input, Python data layers, Data, ...).
    case data
    /// Training-only: losses, accuracy, silence. Dropped with a note.
    case trainingOnly
    /// Softmax: dropped when it is the last layer (the scores are the output; argmax is the same).
    case softmax
    case layer(ImportedOp)
}

enum CaffeLayerMapping {
    static let dataTypes: Set<String> = ["Input", "Python", "Data", "ImageData", "DummyData", "MemoryData", "HDF5Data", "WindowData"]
    static let trainingTypes: Set<String> = ["SoftmaxWithLoss", "SigmoidCrossEntropyLoss", "EuclideanLoss", "HingeLoss",
                                             "InfogainLoss", "MultinomialLogisticLoss", "ContrastiveLoss", "Accuracy", "Silence"]
    static let layerTypes: [String: ImportedOp] = [
        "Convolution": .conv, "Deconvolution": .deconv, "ReLU": .relu, "Pooling": .pool, "LRN": .lrn,
        "Dropout": .dropout, "Scale": .scale, "Power": .scale, "Crop": .crop, "Eltwise": .sum, "Concat": .concat,
    ]

    static func isKnownType(_ type: String) -> Bool {
        dataTypes.contains(type) || trainingTypes.contains(type) || layerTypes[type] != nil || type == "Softmax"
    }

    static func role(_ l: CaffeLayer) throws -> CaffeLayerRole {
        if l.type == "Python" { return l.param.bottom.isEmpty ? .data : .layer(try unsupported(l)) }
        if dataTypes.contains(l.type) { return .data }
        if trainingTypes.contains(l.type) { return .trainingOnly }
        if l.type == "Softmax" { return .softmax }
        if let op = layerTypes[l.type] { return .layer(op) }
        return .layer(try unsupported(l))
    }

    static func unsupported(_ l: CaffeLayer) throws -> ImportedOp {
        throw CaffeImportError(.unsupportedLayer, "layer '\(l.name)' has type '\(l.type)', which fcngc cannot import", at: l.location)
    }

    static func setting(_ l: CaffeLayer, _ field: String, _ what: String) -> CaffeImportError {
        CaffeImportError(.unsupportedSetting, "layer '\(l.name)' (\(l.type)) \(what), which fcngc cannot import", at: l.at(field))
    }

    /// A Float as written in the prototxt (shortest form), so 0.0001 stays 0.0001 in YAML and in the graph.
    static func decimal(_ f: Float) -> Double { Double("\(f)") ?? Double(f) }

    /// Caffe's kernel/stride/pad: a repeated value (one for both axes, or height and width)
    /// or the _h/_w pair.
    static func pair(_ l: CaffeLayer, _ field: String, _ list: [UInt32], h: UInt32?, w: UInt32?, default d: Int) throws -> Pair {
        if h != nil || w != nil { return Pair(Int(h ?? UInt32(d)), Int(w ?? UInt32(d))) }
        switch list.count {
        case 0: return Pair(d)
        case 1: return Pair(Int(list[0]))
        case 2: return Pair(Int(list[0]), Int(list[1]))
        default: throw setting(l, field, "has \(list.count) values for '\(field)' (a \(list.count)-D convolution)")
        }
    }

    /// The layer's kind-specific attributes, Caffe's defaults applied.
    static func params(_ l: CaffeLayer, _ op: ImportedOp) throws -> Params {
        var p = Params()
        let q = l.param
        switch op {
        case .conv, .deconv:
            let c = q.convolutionParam
            guard c.axis == 1 else { throw setting(l, "axis", "convolves along axis \(c.axis)") }
            p.out = Int(c.numOutput)
            p.kernel = try pair(l, "kernel_size", c.kernelSize, h: c.hasKernelH ? c.kernelH : nil, w: c.hasKernelW ? c.kernelW : nil, default: 0)
            p.stride = try pair(l, "stride", c.stride, h: c.hasStrideH ? c.strideH : nil, w: c.hasStrideW ? c.strideW : nil, default: 1)
            p.pad = try pair(l, "pad", c.pad, h: c.hasPadH ? c.padH : nil, w: c.hasPadW ? c.padW : nil, default: 0)
            p.dilation = try pair(l, "dilation", c.dilation, h: nil, w: nil, default: 1)
            p.group = Int(c.group)
            p.bias = c.biasTerm
            if op == .deconv { p.initializer = .bilinear; p.upsampler = .learned; p.learn = true }
        case .pool:
            let c = q.poolingParam
            guard !c.globalPooling else { throw setting(l, "global_pooling", "pools globally") }
            switch c.pool {
            case .max: p.method = .max
            case .ave: p.method = .avg
            case .stochastic: throw setting(l, "pool", "pools stochastically")
            }
            p.kernel = c.hasKernelH || c.hasKernelW ? Pair(Int(c.kernelH), Int(c.kernelW)) : Pair(Int(c.kernelSize))
            p.stride = c.hasStrideH || c.hasStrideW ? Pair(Int(c.strideH), Int(c.strideW)) : Pair(Int(c.stride))
            p.pad = c.hasPadH || c.hasPadW ? Pair(Int(c.padH), Int(c.padW)) : Pair(Int(c.pad))
            switch c.roundMode {
            case .ceil: p.rounding = .ceil
            case .floor: p.rounding = .floor
            }
        case .lrn:
            let c = q.lrnParam
            guard c.normRegion == .acrossChannels else { throw setting(l, "norm_region", "normalises within channels") }
            p.lrnSize = Int(c.localSize)
            p.alpha = decimal(c.alpha)
            p.beta = decimal(c.beta)
            p.lrnK = decimal(c.k)
        case .relu:
            guard q.reluParam.negativeSlope == 0 else { throw setting(l, "negative_slope", "has negative_slope \(q.reluParam.negativeSlope) (a leaky ReLU)") }
        case .dropout:
            p.ratio = decimal(q.dropoutParam.dropoutRatio)
        case .scale:
            p.value = try scaleValue(l)
        case .crop, .sum, .concat:
            break
        }
        return p
    }

    /// A Scale layer with one constant factor (its filler, not learned) or a Power layer
    /// that only scales. A caffemodel's blob, when given, overrides the filler (CaffeWeights).
    static func scaleValue(_ l: CaffeLayer) throws -> Double {
        let q = l.param
        if l.type == "Power" {
            let c = q.powerParam
            guard c.power == 1, c.shift == 0 else { throw setting(l, "power_param", "computes (shift + scale*x)^power with power \(c.power), shift \(c.shift)") }
            return decimal(c.scale)
        }
        let c = q.scaleParam
        guard q.bottom.count == 1 else { throw setting(l, "bottom", "multiplies by a second bottom") }
        guard !c.biasTerm else { throw setting(l, "bias_term", "adds a learned bias") }
        guard c.hasFiller, c.filler.type == "constant" else {
            throw setting(l, "scale_param", "has learned per-channel factors (no constant filler)")
        }
        return decimal(c.filler.value)
    }

    /// Crop offsets (height, width) as written; Caffe's rules for `axis` and one or many offsets.
    static func cropOffset(_ l: CaffeLayer) throws -> Pair {
        let c = l.param.cropParam
        let axis = c.axis < 0 ? Int(c.axis) + 4 : Int(c.axis)
        guard axis == 2 else {
            throw setting(l, "axis", "crops from axis \(c.axis) (fcngc crops height and width together, axis 2)")
        }
        switch c.offset.count {
        case 0: return Pair(0)
        case 1: return Pair(Int(c.offset[0]))
        case 2: return Pair(Int(c.offset[0]), Int(c.offset[1]))
        default: throw setting(l, "offset", "has \(c.offset.count) offsets for 2 cropped axes")
        }
    }

    /// Eltwise SUM coefficients (nil when absent or all 1); PROD and MAX are errors.
    static func sumCoefficients(_ l: CaffeLayer) throws -> [Double]? {
        let c = l.param.eltwiseParam
        switch c.operation {
        case .sum: break
        case .prod: throw setting(l, "operation", "multiplies its bottoms (Eltwise PROD)")
        case .max: throw setting(l, "operation", "takes the maximum of its bottoms (Eltwise MAX)")
        }
        if c.coeff.isEmpty || c.coeff.allSatisfy({ $0 == 1 }) { return nil }
        guard c.coeff.count == l.param.bottom.count else {
            throw setting(l, "coeff", "has \(c.coeff.count) coefficients for \(l.param.bottom.count) bottoms")
        }
        return c.coeff.map(decimal)
    }
}
