// The living definition of a network: the analysed graph (no plan, no fusion, no windows)
// evaluated layer by layer with the naive kernels, exactly as the spec reads. A fused plan
// run by the interpreter must agree with it on the same weights.

import FCNCompiler
import FCNPlan
import FCNRuntime

public enum NaiveGraph {
    /// Every node's output, by node id. `weights` answers `<layer>.weight` / `.bias`.
    public static func run(_ g: Graph, input: NaiveTensor, weights: (String) -> [Float]?) -> [NaiveTensor] {
        run(g, inputs: [input], weights: weights)
    }

    /// Every node's output for one tensor per network input (in the graph's input order).
    public static func run(_ g: Graph, inputs: [NaiveTensor], weights: (String) -> [Float]?) -> [NaiveTensor] {
        var out: [NaiveTensor] = []
        for (id, n) in g.nodes.enumerated() {
            guard n.op != .input else { out.append(inputs[id]); continue }
            let x = out[n.inputs[0]]
            let p = n.params
            func convParams(_ cin: Int) -> ConvParams {
                ConvParams(inChannels: cin, outChannels: p.out, kernelH: p.kernel.h, kernelW: p.kernel.w,
                           strideH: p.stride.h, strideW: p.stride.w, padH: p.pad.h, padW: p.pad.w,
                           dilationH: p.dilation.h, dilationW: p.dilation.w, groups: p.group)
            }
            switch n.op {
            case .input: fatalError("handled above")
            case .conv:
                out.append(Naive.conv2d(x, weights: weights("\(n.name).weight")!, bias: p.bias ? weights("\(n.name).bias") : nil,
                                        params: convParams(x.c)))
            case .deconv:
                var w: [Float]
                if p.upsampler == .fixedBilinear {
                    // The dense diagonal deconvolution, as the reference net defines it.
                    let k1y = Kernels.bilinearKernel1D(p.kernel.h), k1x = Kernels.bilinearKernel1D(p.kernel.w)
                    w = [Float](repeating: 0, count: x.c * x.c * p.kernel.h * p.kernel.w)
                    for c in 0..<x.c { for i in 0..<p.kernel.h { for j in 0..<p.kernel.w {
                        w[((c * x.c + c) * p.kernel.h + i) * p.kernel.w + j] = k1y[i] * k1x[j]
                    }}}
                } else {
                    w = weights("\(n.name).weight")!
                }
                out.append(Naive.deconv2d(x, weights: w, bias: p.bias ? weights("\(n.name).bias") : nil, params: convParams(x.c)))
            case .relu: out.append(Naive.relu(x))
            case .dropout: out.append(x)
            case .scale: out.append(Naive.scale(x, by: Float(p.value)))
            case .lrn:
                out.append(Naive.lrn(x, params: LRNParams(localSize: p.lrnSize, alpha: Float(p.alpha), beta: Float(p.beta), k: Float(p.lrnK))))
            case .pool:
                let pp = PoolParams(kernelH: p.kernel.h, kernelW: p.kernel.w, strideH: p.stride.h, strideW: p.stride.w, padH: p.pad.h, padW: p.pad.w)
                var y = p.method == .max ? Naive.maxPool(x, params: pp) : Naive.avgPool(x, params: pp)
                if p.rounding == .floor {
                    let fh = (x.h + 2 * p.pad.h - p.kernel.h) / p.stride.h + 1, fw = (x.w + 2 * p.pad.w - p.kernel.w) / p.stride.w + 1
                    y = Naive.crop(y, y0: 0, x0: 0, height: fh, width: fw)
                }
                out.append(y)
            case .crop:
                let ref = out[n.like ?? 0], off = n.cropOffset!
                out.append(Naive.crop(x, y0: off.h, x0: off.w, height: ref.h, width: ref.w))
            case .sum:
                out.append(Naive.sum(n.inputs.map { out[$0] }, coefficients: p.coefficients.isEmpty ? nil : p.coefficients.map(Float.init)))
            case .batchnorm:
                out.append(Naive.batchNorm(x, weight: weights("\(n.name).weight")!, bias: weights("\(n.name).bias")!,
                                           mean: weights("\(n.name).running_mean")!, variance: weights("\(n.name).running_var")!, eps: p.eps))
            case .concat:
                out.append(Naive.concat(n.inputs.map { out[$0] }))
            case .resize:
                let ref = out[n.like ?? 0]
                out.append(Naive.resize(x, height: ref.h, width: ref.w, alignCorners: p.alignCorners))
            }
        }
        return out
    }
}
