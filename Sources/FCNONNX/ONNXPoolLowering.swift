// How a Caffe pool becomes ONNX without changing its output size.
//
// Caffe: out = ceil((in + 2p - k) / s) + 1, then out -= 1 if p > 0 and (out - 1)*s >= in + p
// (the last window must start inside the input or its left padding). ONNX (opset 17 text and
// onnx's shape inference): out = ceil((in + 2p - k) / s) + 1 with ceil_mode = 1, no fix-up.
// onnxruntime (checked on 1.32): ceil_mode = 1 applies PyTorch's fix-up, which drops the last
// window when (out - 1)*s >= in + p, *also when p = 0*.
//
// So the three agree for every input size unless an axis is "sensitive":
//   p > 0 and p + s > k   Caffe and onnxruntime drop a window the ONNX formula keeps, or
//   p = 0 and s > k       Caffe keeps an empty last window that onnxruntime drops.
// (With p > 0 the fix-up needs (out-1)*s >= in + p while ceil gives (out-1)*s < in + 2p - k + s,
// so p + s > k; with p = 0 a window starting at or past `in` needs s > k.) No FCN pool is
// sensitive (k2 s2 p0, AlexNet k3 s2 p0).
//
// Sensitive pools are lowered so that every ONNX reading gives Caffe's size and values:
//   fixed size   when the formulas agree at this size: ceil_mode = 1 as is; else ceil_mode = 0
//                with end pads chosen so floor rounding gives Caffe's count, or (when
//                onnxruntime's "pad < kernel" rule forbids those pads) an explicit Pad;
//   dynamic      an explicit Pad whose end pads are computed from Shape, then a floor-mode pool.
// Max pads with -FLT_MAX (Caffe's value for a window holding only padding). Average divides
// by the window clipped to the padded input [-p, in + p) (ONNX's count_include_pad = 1 does the
// same in ceil mode; onnxruntime checked exhaustively for k <= 5, s <= 4, p < k, in < 20). When
// a padded last window reaches past in + p holding data, an explicit zero Pad would divide by
// too much, so the sum is divided by a count map: the same pool over ones that cover
// [-p, in + p) and zeros beyond ("averageWithDivisor").

import FCNSpec
import FCNCompiler
import FCNPlan

public enum ONNXPoolLowering: Equatable, Sendable {
    /// One MaxPool/AveragePool with pads (p, p) per axis and ceil_mode = `ceil`.
    case direct(ceil: Bool)
    /// Fixed size: ceil_mode = 0, pads begin p, end `end` per axis (0 <= end < kernel).
    case floorWithEndPads(end: Pair)
    /// An explicit Pad (begin p; end `end`, or computed from the input's shape when nil) with
    /// -FLT_MAX (max) or 0 (average), then a floor-mode pool without pads. For an average, only
    /// when every window that holds data lies inside [-p, in + p).
    case explicitPad(end: Pair?)
    /// Average: AveragePool of the zero-padded input divided by the AveragePool of a map that
    /// is 1 on [-p, in + p) and 0 beyond (end pads as for explicitPad).
    case averageWithDivisor(end: Pair?)

    /// Caffe's pooled size along one axis (ceil rounding).
    public static func caffeCeil(_ n: Int, k: Int, s: Int, p: Int) -> Int {
        var out = ceilDiv(n + 2 * p - k, s) + 1
        if p > 0 && (out - 1) * s >= n + p { out -= 1 }
        return out
    }

    /// The ONNX operator text's pooled size with ceil_mode = 1.
    public static func onnxCeil(_ n: Int, k: Int, s: Int, p: Int) -> Int { ceilDiv(n + 2 * p - k, s) + 1 }

    /// onnxruntime's pooled size with ceil_mode = 1 (PyTorch's rule: the fix-up whatever p).
    public static func runtimeCeil(_ n: Int, k: Int, s: Int, p: Int) -> Int {
        var out = ceilDiv(n + 2 * p - k, s) + 1
        if (out - 1) * s >= n + p { out -= 1 }
        return out
    }

    /// Whether Caffe, the ONNX formula and onnxruntime can disagree on this axis for some size.
    public static func isSensitive(k: Int, s: Int, p: Int) -> Bool {
        p > 0 ? p + s > k : s > k
    }

    /// The end pad that makes floor rounding give Caffe's count: the last window's end minus
    /// the input's end, (out - 1)*s - p + k - n (may be negative: then it crops).
    public static func endPad(_ n: Int, k: Int, s: Int, p: Int) -> Int {
        (caffeCeil(n, k: k, s: s, p: p) - 1) * s + k - n - p
    }

    /// The lowering of a pool with `params`; `inputSize` is its input's spatial size in a
    /// fixed-size export, nil in a dynamic one.
    public static func choose(_ params: Params, inputSize: Pair?, layer: String) throws -> ONNXPoolLowering {
        let p = params
        if (0..<2).contains(where: { p.pad[$0] >= p.kernel[$0] }) {
            throw ONNXExportError(layer: layer, "pool pad \(p.pad) must be smaller than its kernel \(p.kernel) (as Caffe and ONNX runtimes require)")
        }
        if p.rounding == .floor { return .direct(ceil: false) }
        let sensitive = (0..<2).contains { isSensitive(k: p.kernel[$0], s: p.stride[$0], p: p.pad[$0]) }
        if !sensitive { return .direct(ceil: true) }
        guard let n = inputSize else {
            return p.method == .max ? .explicitPad(end: nil) : .averageWithDivisor(end: nil)
        }
        let agree = (0..<2).allSatisfy {
            let caffe = caffeCeil(n[$0], k: p.kernel[$0], s: p.stride[$0], p: p.pad[$0])
            return caffe == onnxCeil(n[$0], k: p.kernel[$0], s: p.stride[$0], p: p.pad[$0])
                && caffe == runtimeCeil(n[$0], k: p.kernel[$0], s: p.stride[$0], p: p.pad[$0])
        }
        // At this size every reading gives Caffe's count.
        if agree { return .direct(ceil: true) }
        let end = Pair(endPad(n.h, k: p.kernel.h, s: p.stride.h, p: p.pad.h),
                       endPad(n.w, k: p.kernel.w, s: p.stride.w, p: p.pad.w))
        let padsAllowed = (0..<2).allSatisfy { end[$0] >= 0 && end[$0] < p.kernel[$0] }
        if p.method == .max { return padsAllowed ? .floorWithEndPads(end: end) : .explicitPad(end: end) }
        // Average: a padded last window must not reach past n + p while it holds data.
        let clipsLikeCaffe = (0..<2).allSatisfy { a in
            let lastStart = (caffeCeil(n[a], k: p.kernel[a], s: p.stride[a], p: p.pad[a]) - 1) * p.stride[a] - p.pad[a]
            return end[a] <= p.pad[a] || lastStart >= n[a]
        }
        if !clipsLikeCaffe { return .averageWithDivisor(end: end) }
        return padsAllowed ? .floorWithEndPads(end: end) : .explicitPad(end: end)
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
}
