// Test support basics: a plain [Float]-backed NCHW tensor, a seeded random generator, and an
// error measure for comparing fast kernels against the naive reference.

import FCNRuntime

/// An NCHW tensor as a plain array; the currency of the naive reference kernels.
public struct NaiveTensor: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.count == 4, "naive tensors are NCHW")
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, values: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Uniform random values in `range`.
    public static func random(shape: [Int], in range: ClosedRange<Float> = -1...1,
                              using rng: inout SplitMix64) -> NaiveTensor {
        let n = shape.reduce(1, *)
        return NaiveTensor(shape: shape, values: (0..<n).map { _ in rng.nextFloat(in: range) })
    }

    public var n: Int { shape[0] }
    public var c: Int { shape[1] }
    public var h: Int { shape[2] }
    public var w: Int { shape[3] }

    public subscript(n: Int, c: Int, y: Int, x: Int) -> Float {
        get { values[((n * shape[1] + c) * shape[2] + y) * shape[3] + x] }
        set { values[((n * shape[1] + c) * shape[2] + y) * shape[3] + x] = newValue }
    }

    public func toTensor() -> Tensor { Tensor(shape: shape, values: values) }
}

/// SplitMix64 (the runtime's WeightRNG) as a RandomNumberGenerator: seedable, reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var rng: WeightRNG

    public init(seed: UInt64) { rng = WeightRNG(seed: seed) }

    public mutating func next() -> UInt64 { rng.next() }

    public mutating func nextFloat(in range: ClosedRange<Float>) -> Float {
        let unit = Float(next() >> 40) / Float(1 << 24)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }

    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    public mutating func nextBool() -> Bool { next() & 1 == 1 }
}

/// max_i |a[i] - b[i]| / max(floor, |b[i]|); infinity if the counts differ or a value is NaN.
public func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1) -> Float {
    if a.count != b.count { return .infinity }
    var worst: Float = 0
    for i in 0..<a.count {
        let e = abs(a[i] - b[i]) / max(floor, abs(b[i]))
        if e.isNaN { return .infinity }
        worst = max(worst, e)
    }
    return worst
}
