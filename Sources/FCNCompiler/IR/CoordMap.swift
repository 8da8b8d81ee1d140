// Affine coordinate maps, one per spatial axis: `top = a * bottom + b` (Caffe's coord_map).
// A node's map takes network-input coordinates to its own; the crop offset between two
// nodes follows from composing one map with the other's inverse.

import FCNPlan

public struct AxisMap: Hashable, Codable, Sendable, CustomStringConvertible {
    public var a: Rational
    public var b: Rational

    public init(a: Rational, b: Rational) { self.a = a; self.b = b }
    public static let identity = AxisMap(a: .one, b: .zero)

    /// self ∘ other: apply `other` first, then `self`.
    public func after(_ other: AxisMap) -> AxisMap { AxisMap(a: a * other.a, b: a * other.b + b) }
    public var inverse: AxisMap { AxisMap(a: .one / a, b: -b / a) }

    /// Convolution and pooling: a = 1/s, b = (p - (k_ext - 1)/2) / s.
    public static func conv(kernel: Int, stride: Int, pad: Int, dilation: Int) -> AxisMap {
        let kext = dilation * (kernel - 1) + 1
        return AxisMap(a: Rational(1, stride), b: (Rational(pad) - Rational(kext - 1, 2)) / Rational(stride))
    }

    /// Deconvolution: a = s, b = (k_ext - 1)/2 - p.
    public static func deconv(kernel: Int, stride: Int, pad: Int, dilation: Int) -> AxisMap {
        let kext = dilation * (kernel - 1) + 1
        return AxisMap(a: Rational(stride), b: Rational(kext - 1, 2) - Rational(pad))
    }

    /// Crop: a = 1, b = -offset.
    public static func crop(offset: Int) -> AxisMap { AxisMap(a: .one, b: Rational(-offset)) }

    /// "x/32 + 2.609375", the form the reference notes use.
    public var description: String {
        var s = a == .one ? "x" : (a.den == 1 ? "\(a.num)x" : (a.num == 1 ? "x/\(a.den)" : "\(a.description)x"))
        if b != .zero { s += b < .zero ? " - \((-b).decimal)" : " + \(b.decimal)" }
        return s
    }
}

/// The maps of both spatial axes.
public struct CoordMap: Hashable, Codable, Sendable, CustomStringConvertible {
    public var h: AxisMap
    public var w: AxisMap
    public init(h: AxisMap, w: AxisMap) { self.h = h; self.w = w }
    public static let identity = CoordMap(h: .identity, w: .identity)
    public subscript(axis: Int) -> AxisMap { axis == 0 ? h : w }
    public func after(_ o: CoordMap) -> CoordMap { CoordMap(h: h.after(o.h), w: w.after(o.w)) }
    public var inverse: CoordMap { CoordMap(h: h.inverse, w: w.inverse) }
    public var description: String { h == w ? h.description : "h: \(h), w: \(w)" }
}
