// One switch over step kinds: each step's attributes become kernel parameters, its
// inputs arena windows, its output the arena slot the memory plan gave it.

import FCNCompiler

enum StepDispatch {
    static func run(_ s: Step, weights w: PreparedWeights, in x: Executable) throws {
        let out = x.pointer(slot: s.slot)
        let n = x.batch
        let a = s.attributes
        let k = a.kernel ?? [1, 1], st = a.stride ?? [1, 1], pad = a.pad ?? [0, 0]
        switch s.kind {
        case .conv:
            if let u = w.winograd {
                return Kernels.winogradConv2d(input: x.window(s.inputs[0]), batch: n, weights: u, bias: w.bias.map { UnsafePointer($0.pointer) },
                                              padH: pad[0], padW: pad[1], relu: a.relu ?? false, output: out,
                                              scratch: x.scratch.pointer, scratchCapacity: x.scratchCapacity)
            }
            guard let weight = w.weight else { throw RuntimeError("no weights for '\(s.name)'") }
            let p = convParams(s)
            Kernels.conv2d(input: x.window(s.inputs[0]), batch: n, weights: weight.pointer, bias: w.bias.map { UnsafePointer($0.pointer) },
                           params: p, relu: a.relu ?? false, output: out, scratch: x.scratch.pointer, scratchCapacity: x.scratchCapacity)
        case .deconv:
            guard let weight = w.weight else { throw RuntimeError("no weights for '\(s.name)'") }
            let p = convParams(s)
            Kernels.deconv2d(input: x.window(s.inputs[0]), batch: n, weights: weight.pointer, bias: w.bias.map { UnsafePointer($0.pointer) },
                             params: p, outputWindow: s.outputWindow.map(outputWindow), output: out,
                             scratch: x.scratch.pointer, scratchCapacity: x.scratchCapacity)
        case .upsample:
            let p = UpsampleParams(kernelY: Kernels.bilinearKernel1D(k[0]), kernelX: Kernels.bilinearKernel1D(k[1]),
                                   strideY: st[0], strideX: st[1], padY: pad[0], padX: pad[1])
            Kernels.bilinearUpsample(input: x.window(s.inputs[0]), batch: n, params: p,
                                     outputWindow: s.outputWindow.map(outputWindow), output: out)
        case .pool:
            try pool(s, x, out)
        case .relu:
            let inp = x.window(s.inputs[0])
            if inp.planesContiguous && inp.y0 == 0 {
                Kernels.relu(inp.plane(0, 0), out, count: n * s.shape.reduce(1, *))
            } else {
                Kernels.cropCopy(input: inp, batch: n, output: out)
                Kernels.relu(out, out, count: n * s.shape.reduce(1, *))
            }
        case .scale:
            let inp = x.window(s.inputs[0])
            if !(inp.planesContiguous && inp.y0 == 0) { Kernels.cropCopy(input: inp, batch: n, output: out) }
            let src = (inp.planesContiguous && inp.y0 == 0) ? inp.plane(0, 0) : UnsafePointer(out)
            Kernels.scale(src, out, count: n * s.shape.reduce(1, *), factor: Float(a.value ?? 1))
        case .lrn:
            let l = a.lrn ?? [5, 1, 0.75, 1]
            Kernels.lrn(input: x.window(s.inputs[0]), batch: n,
                        params: LRNParams(localSize: Int(l[0]), alpha: Float(l[1]), beta: Float(l[2]), k: Float(l[3])), output: out)
        case .sum:
            Kernels.sum(inputs: s.inputs.map(x.window), batch: n, output: out)
        case .crop:
            Kernels.cropCopy(input: x.window(s.inputs[0]), batch: n, output: out)
        case .dropout:
            Kernels.cropCopy(input: x.window(s.inputs[0]), batch: n, output: out)
        }
    }

    /// Geometry of a conv or deconv step (channels: its input's and its output's).
    static func convParams(_ s: Step) -> ConvParams {
        let a = s.attributes
        let k = a.kernel ?? [1, 1], st = a.stride ?? [1, 1], pad = a.pad ?? [0, 0], dil = a.dilation ?? [1, 1]
        return ConvParams(inChannels: s.inputs[0].shape[0], outChannels: s.shape[0], kernelH: k[0], kernelW: k[1],
                          strideH: st[0], strideW: st[1], padH: pad[0], padW: pad[1],
                          dilationH: dil[0], dilationW: dil[1], groups: a.group ?? 1)
    }

    static func outputWindow(_ w: Window) -> OutputWindow { OutputWindow(y0: w.y, x0: w.x, height: w.h, width: w.w) }

    /// Caffe pooling; floor rounding computes the ceil-rounded output and keeps its top-left
    /// part (the windows start at the same places; ceil only adds trailing ones).
    static func pool(_ s: Step, _ x: Executable, _ out: UnsafeMutablePointer<Float>) throws {
        let a = s.attributes, k = a.kernel ?? [1, 1], st = a.stride ?? [1, 1], pad = a.pad ?? [0, 0]
        let p = PoolParams(kernelH: k[0], kernelW: k[1], strideH: st[0], strideW: st[1], padH: pad[0], padW: pad[1])
        let inp = x.window(s.inputs[0])
        let full = p.outputSize(height: inp.height, width: inp.width)
        let average = a.method == "avg"
        func compute(_ dst: UnsafeMutablePointer<Float>) {
            if average { Kernels.avgPool(input: inp, batch: x.batch, params: p, output: dst) } else {
                Kernels.maxPool(input: inp, batch: x.batch, params: p, output: dst)
            }
        }
        if full.height == s.shape[1] && full.width == s.shape[2] { return compute(out) }
        let tmp = Tensor(shape: [x.batch, s.shape[0], full.height, full.width])
        compute(tmp.pointer)
        let view = InputWindow(base: UnsafePointer(tmp.pointer), bufferChannels: s.shape[0], bufferHeight: full.height,
                               bufferWidth: full.width, y0: 0, x0: 0, height: s.shape[1], width: s.shape[2])
        Kernels.cropCopy(input: view, batch: x.batch, output: out)
    }
}
