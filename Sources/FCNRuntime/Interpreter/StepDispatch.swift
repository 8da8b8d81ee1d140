// One switch over step kinds: each step's typed attributes become kernel parameters, its
// inputs arena windows, its output the arena slot the memory plan gave it. Nothing here has a
// default: VerifyPlan refused any plan whose step lacks what its kind needs before it ran.

import FCNPlan

enum StepDispatch {
    static func run(_ s: Step, weights w: PreparedWeights, in x: Executable) throws {
        let out = x.pointer(slot: s.slot)
        let n = x.batch
        let a = s.attributes
        switch s.kind {
        case .conv where a.maxPool != nil && w.winograd == nil:
            try pooledGemmConv(s, weights: w, in: x)
        case .conv where a.residual != nil:
            try residualGemmConv(s, weights: w, in: x)
        case .conv:
            if let u = w.winograd {
                let g = try geometry(s)
                return Kernels.winogradConv2d(input: x.window(s.inputs[0]), batch: n, weights: u, bias: w.bias.map { UnsafePointer($0.pointer) },
                                              padH: g.pad[0], padW: g.pad[1], dilationH: g.dilation[0], dilationW: g.dilation[1],
                                              relu: a.fusedReLU, pool: a.maxPool.map { _ in WinogradPool(height: s.shape[1], width: s.shape[2]) },
                                              output: out, scratch: x.scratch.pointer, scratchCapacity: x.scratchCapacity)
            }
            if let lanes = w.winograd7x7 {
                let g = try geometry(s)
                return Kernels.winograd7x7Conv2d(input: x.window(s.inputs[0]), batch: n, weights: lanes, bias: w.bias.map { UnsafePointer($0.pointer) },
                                                 padH: g.pad[0], padW: g.pad[1], relu: a.fusedReLU, output: out,
                                                 scratch: x.scratch.pointer, scratchCapacity: x.scratchCapacity)
            }
            try gemmConv(s, weights: w, input: x.window(s.inputs[0]), batch: n, output: out, scratch: x.scratch.pointer,
                         scratchCapacity: x.scratchCapacity)
        case .deconv:
            guard let weight = w.weight else { throw RuntimeError("no weights for '\(s.name)'") }
            Kernels.deconv2d(input: x.window(s.inputs[0]), batch: n, weights: weight.pointer, bias: w.bias.map { UnsafePointer($0.pointer) },
                             params: try convParams(s), outputWindow: s.outputWindow.map(OutputWindow.init), output: out,
                             scratch: x.scratch.pointer, scratchCapacity: x.scratchCapacity)
        case .upsample:
            let g = try geometry(s)
            let p = UpsampleParams(kernelY: Kernels.bilinearKernel1D(g.kernel[0]), kernelX: Kernels.bilinearKernel1D(g.kernel[1]),
                                   strideY: g.stride[0], strideX: g.stride[1], padY: g.pad[0], padX: g.pad[1])
            Kernels.bilinearUpsample(input: x.window(s.inputs[0]), batch: n, params: p,
                                     outputWindow: s.outputWindow.map(OutputWindow.init), output: out)
        case .pool:
            let g = try geometry(s)
            guard let method = a.method, let rounding = a.rounding else { throw RuntimeError("pool step '\(s.name)' has no method or rounding") }
            let p = PoolParams(kernelH: g.kernel[0], kernelW: g.kernel[1], strideH: g.stride[0], strideW: g.stride[1], padH: g.pad[0], padW: g.pad[1])
            switch method {
            case .max: Kernels.maxPool(input: x.window(s.inputs[0]), batch: n, params: p, rounding: rounding, output: out)
            case .avg: Kernels.avgPool(input: x.window(s.inputs[0]), batch: n, params: p, rounding: rounding, output: out)
            }
        case .relu:
            let inp = x.window(s.inputs[0])
            if inp.planesContiguous && inp.y0 == 0 {
                Kernels.relu(inp.plane(0, 0), out, count: n * s.shape.reduce(1, *))
            } else {
                Kernels.cropCopy(input: inp, batch: n, output: out)
                Kernels.relu(out, out, count: n * s.shape.reduce(1, *))
            }
        case .scale:
            guard let factor = a.factor else { throw RuntimeError("scale step '\(s.name)' has no factor") }
            let inp = x.window(s.inputs[0])
            if !(inp.planesContiguous && inp.y0 == 0) { Kernels.cropCopy(input: inp, batch: n, output: out) }
            let src = (inp.planesContiguous && inp.y0 == 0) ? inp.plane(0, 0) : UnsafePointer(out)
            Kernels.scale(src, out, count: n * s.shape.reduce(1, *), factor: Float(factor))
        case .lrn:
            guard let l = a.lrn else { throw RuntimeError("lrn step '\(s.name)' has no parameters") }
            Kernels.lrn(input: x.window(s.inputs[0]), batch: n,
                        params: LRNParams(localSize: l.size, alpha: Float(l.alpha), beta: Float(l.beta), k: Float(l.k)), output: out)
        case .sum:
            Kernels.sum(inputs: s.inputs.map(x.window), coefficients: a.coefficients?.map(Float.init), batch: n,
                        relu: a.fusedReLU, output: out)
        case .batchnorm:
            guard let scale = w.weight, let shift = w.bias else { throw RuntimeError("no batch norm tensors for '\(s.name)'") }
            Kernels.channelAffine(input: x.window(s.inputs[0]), batch: n, scale: scale.pointer, shift: shift.pointer,
                                  relu: a.fusedReLU, output: out)
        case .concat:
            Kernels.concat(inputs: s.inputs.map(x.window), batch: n, output: out)
        case .resize:
            guard let align = a.alignCorners else { throw RuntimeError("resize step '\(s.name)' does not say how corners align") }
            Kernels.bilinearResize(input: x.window(s.inputs[0]), batch: n, alignCorners: align, outHeight: s.shape[1], outWidth: s.shape[2], output: out)
        case .crop, .dropout:
            Kernels.cropCopy(input: x.window(s.inputs[0]), batch: n, output: out)
        }
    }

    /// A GEMM conv with a fused 2x2 max pooling: each image's conv output goes to the front of
    /// the scratch (ScratchRules.pooledConvFloats) and is pooled from there into the step's output.
    static func pooledGemmConv(_ s: Step, weights w: PreparedWeights, in x: Executable) throws {
        guard let pool = s.attributes.maxPool else { return }
        let conv = s.convOutputShape, convFloats = ScratchRules.pooledConvFloats(conv), pooledFloats = s.shape.reduce(1, *)
        let input = x.window(s.inputs[0]), out = x.pointer(slot: s.slot)
        let buffer = x.scratch.pointer, scratch = buffer + convFloats, capacity = x.scratchCapacity - convFloats
        guard capacity >= 0 else { throw RuntimeError("'\(s.name)': the plan's scratch cannot hold its \(conv) output") }
        let g = FusedMaxPool.geometry
        let p = PoolParams(kernelH: g.kernel[0], kernelW: g.kernel[1], strideH: g.stride[0], strideW: g.stride[1], padH: 0, padW: 0)
        for image in 0..<x.batch {
            var one = input
            one.base += image * input.batchStride
            try gemmConv(s, weights: w, input: one, batch: 1, output: buffer, scratch: scratch, scratchCapacity: capacity)
            Kernels.maxPool(input: InputWindow(base: buffer, channels: conv[0], height: conv[1], width: conv[2]), batch: 1,
                            params: p, rounding: pool.rounding, output: out + image * pooledFloats)
        }
    }

    /// A GEMM conv with a fused residual sum: the GEMM adds the shortcut (the step's second
    /// input) after the bias and before the ReLU as it stores its last depth block. A shortcut
    /// whose rows are not contiguous (a window narrower than its buffer) is copied into the output
    /// first and the GEMM accumulates into it. The output never lies on the shortcut (VerifyPlan).
    static func residualGemmConv(_ s: Step, weights w: PreparedWeights, in x: Executable) throws {
        guard w.winograd == nil, w.winograd7x7 == nil, s.inputs.count == 2 else {
            throw RuntimeError("'\(s.name)' adds a residual, which only its GEMM can do")
        }
        let out = x.pointer(slot: s.slot), shortcut = x.window(s.inputs[1])
        if shortcut.planesContiguous {
            return try gemmConv(s, weights: w, input: x.window(s.inputs[0]), batch: x.batch, output: out, scratch: x.scratch.pointer,
                                scratchCapacity: x.scratchCapacity, addend: shortcut)
        }
        Kernels.cropCopy(input: shortcut, batch: x.batch, output: out)
        try gemmConv(s, weights: w, input: x.window(s.inputs[0]), batch: x.batch, output: out, scratch: x.scratch.pointer,
                     scratchCapacity: x.scratchCapacity, accumulate: true)
    }

    /// A conv on GEMM (im2col, or one GEMM for 1x1), with its weights packed for fcngc's GEMM or plain (OpenBLAS).
    static func gemmConv(_ s: Step, weights w: PreparedWeights, input: InputWindow, batch: Int, output: UnsafeMutablePointer<Float>,
                         scratch: UnsafeMutablePointer<Float>, scratchCapacity: Int, accumulate: Bool = false, addend: InputWindow? = nil) throws {
        let bias = w.bias.map { UnsafePointer($0.pointer) }, params = try convParams(s), relu = s.attributes.fusedReLU
        if let packed = w.packedConv {
            return Kernels.conv2d(input: input, batch: batch, packedWeights: packed, bias: bias, params: params, relu: relu,
                                  accumulate: accumulate, addend: addend, output: output, scratch: scratch, scratchCapacity: scratchCapacity)
        }
        guard let weight = w.weight else { throw RuntimeError("no weights for '\(s.name)'") }
        Kernels.conv2d(input: input, batch: batch, weights: weight.pointer, bias: bias, params: params, relu: relu,
                       accumulate: accumulate, addend: addend, output: output, scratch: scratch, scratchCapacity: scratchCapacity)
    }

    static func geometry(_ s: Step) throws -> Geometry {
        guard let g = s.attributes.geometry else { throw RuntimeError("\(s.kind.rawValue) step '\(s.name)' has no kernel geometry") }
        return g
    }

    /// Geometry of a conv or deconv step (channels: its input's and its output's).
    static func convParams(_ s: Step) throws -> ConvParams {
        let g = try geometry(s)
        guard let group = s.attributes.group else { throw RuntimeError("\(s.kind.rawValue) step '\(s.name)' has no group count") }
        return ConvParams(inChannels: s.inputs[0].shape[0], outChannels: s.shape[0], kernelH: g.kernel[0], kernelW: g.kernel[1],
                          strideH: g.stride[0], strideW: g.stride[1], padH: g.pad[0], padW: g.pad[1],
                          dilationH: g.dilation[0], dilationW: g.dilation[1], groups: group)
    }
}
