// Geometry of a convolution or deconvolution (Caffe conventions); its output sizes are
// FCNPlan's OutputSize rules (one rule, shared with the compiler).

import FCNPlan

/// Geometry of a convolution or deconvolution. For a deconvolution `inChannels` is the weight's
/// first dimension (its input) and `outChannels` its output channel count.
public struct ConvParams: Hashable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    public var dilationH: Int, dilationW: Int
    public var groups: Int

    public init(inChannels: Int, outChannels: Int, kernelH: Int, kernelW: Int,
                strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        precondition(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1, "bad kernel/stride")
        precondition(padH >= 0 && padW >= 0 && dilationH >= 1 && dilationW >= 1, "bad pad/dilation")
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "channels not divisible by groups")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.groups = groups
    }

    /// Square kernel, equal stride/pad/dilation on both axes.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, pad: Int = 0,
                dilation: Int = 1, groups: Int = 1) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelH: kernel, kernelW: kernel,
                  strideH: stride, strideW: stride, padH: pad, padW: pad,
                  dilationH: dilation, dilationW: dilation, groups: groups)
    }

    public var extentH: Int { dilationH * (kernelH - 1) + 1 }
    public var extentW: Int { dilationW * (kernelW - 1) + 1 }

    /// Convolution output: floor((in + 2p - k_ext) / s) + 1 (may be <= 0 if the input is too small).
    public func convOutputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((try? OutputSize.conv(height, kernel: kernelH, stride: strideH, pad: padH, dilation: dilationH).get()) ?? 0,
         (try? OutputSize.conv(width, kernel: kernelW, stride: strideW, pad: padW, dilation: dilationW).get()) ?? 0)
    }

    /// Deconvolution output: s * (in - 1) + k_ext - 2p.
    public func deconvOutputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((try? OutputSize.deconv(height, kernel: kernelH, stride: strideH, pad: padH, dilation: dilationH).get()) ?? 0,
         (try? OutputSize.deconv(width, kernel: kernelW, stride: strideW, pad: padW, dilation: dilationW).get()) ?? 0)
    }

    /// The plan's form of this geometry.
    public var geometry: Geometry {
        Geometry(kernel: [kernelH, kernelW], stride: [strideH, strideW], pad: [padH, padW], dilation: [dilationH, dilationW])
    }

    /// Number of weights: C_out * C_in/group * kh * kw (same count for conv and deconv layouts).
    public var weightCount: Int { outChannels * (inChannels / groups) * kernelH * kernelW }

    /// True when the conv is a plain matrix product over channels (1x1, stride 1, pad 0).
    public var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
}
