// V1 nets (`layers { type: CONVOLUTION ... }`, before 2015) in the form of V2 layers, the way
// Caffe's own UpgradeV1LayerParameter does it: the enum type becomes the V2 type string, the
// parameter messages move over unchanged (they are the same messages), `blobs_lr` becomes
// `param { lr_mult }`. Everything after this file sees only V2 layers.

extension Caffe_V1LayerParameter.LayerType {
    /// Caffe's UpgradeV1LayerType.
    var v2Name: String {
        switch self {
        case .none: return ""
        case .absval: return "AbsVal"
        case .accuracy: return "Accuracy"
        case .argmax: return "ArgMax"
        case .bnll: return "BNLL"
        case .concat: return "Concat"
        case .contrastiveLoss: return "ContrastiveLoss"
        case .convolution: return "Convolution"
        case .data: return "Data"
        case .deconvolution: return "Deconvolution"
        case .dropout: return "Dropout"
        case .dummyData: return "DummyData"
        case .euclideanLoss: return "EuclideanLoss"
        case .eltwise: return "Eltwise"
        case .exp: return "Exp"
        case .flatten: return "Flatten"
        case .hdf5Data: return "HDF5Data"
        case .hdf5Output: return "HDF5Output"
        case .hingeLoss: return "HingeLoss"
        case .im2Col: return "Im2col"
        case .imageData: return "ImageData"
        case .infogainLoss: return "InfogainLoss"
        case .innerProduct: return "InnerProduct"
        case .lrn: return "LRN"
        case .memoryData: return "MemoryData"
        case .multinomialLogisticLoss: return "MultinomialLogisticLoss"
        case .mvn: return "MVN"
        case .pooling: return "Pooling"
        case .power: return "Power"
        case .relu: return "ReLU"
        case .sigmoid: return "Sigmoid"
        case .sigmoidCrossEntropyLoss: return "SigmoidCrossEntropyLoss"
        case .silence: return "Silence"
        case .softmax: return "Softmax"
        case .softmaxLoss: return "SoftmaxWithLoss"
        case .split: return "Split"
        case .slice: return "Slice"
        case .tanh: return "TanH"
        case .windowData: return "WindowData"
        case .threshold: return "Threshold"
        }
    }
}

extension Caffe_V1LayerParameter {
    /// This layer as a V2 LayerParameter.
    var upgraded: Caffe_LayerParameter {
        var l = Caffe_LayerParameter()
        l.name = name
        l.type = type.v2Name
        l.bottom = bottom
        l.top = top
        l.include = include
        l.exclude = exclude
        l.blobs = blobs
        l.lossWeight = lossWeight
        l.param = blobsLr.enumerated().map { i, lr in
            var p = Caffe_ParamSpec()
            p.lrMult = lr
            if i < weightDecay.count { p.decayMult = weightDecay[i] }
            if i < param.count { p.name = param[i] }
            return p
        }
        if hasAccuracyParam { l.accuracyParam = accuracyParam }
        if hasConcatParam { l.concatParam = concatParam }
        if hasConvolutionParam { l.convolutionParam = convolutionParam }
        if hasDataParam { l.dataParam = dataParam }
        if hasDropoutParam { l.dropoutParam = dropoutParam }
        if hasEltwiseParam { l.eltwiseParam = eltwiseParam }
        if hasImageDataParam { l.imageDataParam = imageDataParam }
        if hasLrnParam { l.lrnParam = lrnParam }
        if hasPoolingParam { l.poolingParam = poolingParam }
        if hasPowerParam { l.powerParam = powerParam }
        if hasReluParam { l.reluParam = reluParam }
        if hasSoftmaxParam { l.softmaxParam = softmaxParam }
        if hasTransformParam { l.transformParam = transformParam }
        if hasLossParam { l.lossParam = lossParam }
        return l
    }
}
