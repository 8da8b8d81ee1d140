// Deterministic random weights: SplitMix64 bits, normals by the polar form of Box-Muller, and
// a logarithm made of IEEE basic operations only (+ - * / sqrt are correctly rounded
// everywhere), so the same seed gives bit-identical tensors on every platform and libm.

import FCNPlan

/// SplitMix64 (Steele, Lea, Flood 2014): a 64-bit generator with a one-word state.
public struct WeightRNG: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    private var spare: Double? = nil

    /// Standard normal (polar Box-Muller; the second value of each pair is kept for the next call).
    public mutating func nextNormal() -> Double {
        if let s = spare { spare = nil; return s }
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let f = (-2 * WeightRNG.log(s) / s).squareRoot()
                spare = v * f
                return u * f
            }
        }
    }

    /// Natural logarithm of a positive finite x from basic operations only:
    /// x = m * 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m - 1) / (m + 1)).
    static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite)
        // significand and exponent are exact (no rounding): x = m * 2^e, m in [1, 2).
        var m = x.significand
        var e = Int(x.exponent)
        if m >= 1.4142135623730951 { m *= 0.5; e += 1 }
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        // |t| <= 0.1716: t^(2k+1)/(2k+1) is below 1e-17 * |t| by k = 11.
        var term = t
        var sum = 0.0
        var k = 1.0
        for _ in 0..<12 {
            sum += term / k
            term *= t2
            k += 2
        }
        return 2 * sum + Double(e) * 0.6931471805599453
    }

    /// 64-bit FNV-1a of a string's UTF-8 bytes (a stable per-name seed).
    public static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}

public enum WeightInit {
    /// Standard deviation of the random biases.
    public static let biasStd = 0.01

    /// He (Kaiming normal) standard deviation for a weight of `shape`: sqrt(2 / fan_in),
    /// fan_in = shape[1] * kh * kw (all dimensions after the first).
    public static func heStd(shape: [Int]) -> Double {
        let fanIn = shape.dropFirst().reduce(1, *)
        return fanIn > 0 ? (2.0 / Double(fanIn)).squareRoot() : 0
    }

    /// A deterministic tensor for `ref`: He normal for `.weight` (rank >= 2), normal with std
    /// `biasStd` otherwise. Each tensor has its own stream seeded by `seed` and its name, so one
    /// tensor does not change when others are added or removed.
    ///
    /// A batch norm's tensors (rank 1) stay in the range a trained one has: `.weight` 1 + N(0, 0.1),
    /// `.running_mean` N(0, 0.1), `.running_var` uniform in [0.5, 1.5] (a variance must stay positive).
    public static func random(_ name: String, shape: [Int], seed: UInt64) -> Tensor {
        var rng = WeightRNG(seed: seed ^ WeightRNG.hash(name))
        let t = Tensor(shape: shape)
        let role = WeightRef(name: name, shape: shape).role
        if shape.count == 1, role == .runningVar {
            for i in 0..<t.count { t.pointer[i] = Float(0.5 + rng.nextUniform()) }
            return t
        }
        let (center, std): (Double, Double)
        switch role {
        case .weight? where shape.count == 1: (center, std) = (1, 0.1)
        case .runningMean?: (center, std) = (0, 0.1)
        case .weight?, .runningVar?: (center, std) = (0, heStd(shape: shape))
        case .bias?: (center, std) = (0, biasStd)
        case nil: (center, std) = (0, shape.count >= 2 ? heStd(shape: shape) : biasStd)
        }
        for i in 0..<t.count { t.pointer[i] = Float(center + rng.nextNormal() * std) }
        return t
    }
}
