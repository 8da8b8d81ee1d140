// Exact rational numbers for coordinate maps. Crop offsets must be exact: 5.5 is an
// error, not 5 or 6, so no floating point anywhere on this path.

import FCNPlan

public struct Rational: Hashable, Codable, Sendable, CustomStringConvertible, Comparable {
    public let num: Int
    public let den: Int

    public init(_ num: Int, _ den: Int = 1) {
        precondition(den != 0, "zero denominator")
        let g = Rational.gcd(abs(num), abs(den))
        let sign = den < 0 ? -1 : 1
        self.num = sign * num / max(g, 1)
        self.den = sign * den / max(g, 1)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    public static let zero = Rational(0), one = Rational(1)
    public var isInteger: Bool { den == 1 }
    public var doubleValue: Double { Double(num) / Double(den) }

    public static func + (a: Rational, b: Rational) -> Rational { Rational(a.num * b.den + b.num * a.den, a.den * b.den) }
    public static func - (a: Rational, b: Rational) -> Rational { Rational(a.num * b.den - b.num * a.den, a.den * b.den) }
    public static func * (a: Rational, b: Rational) -> Rational { Rational(a.num * b.num, a.den * b.den) }
    public static func / (a: Rational, b: Rational) -> Rational { Rational(a.num * b.den, a.den * b.num) }
    public static prefix func - (a: Rational) -> Rational { Rational(-a.num, a.den) }
    public static func < (a: Rational, b: Rational) -> Bool { a.num * b.den < b.num * a.den }

    public var description: String { den == 1 ? "\(num)" : "\(num)/\(den)" }

    /// Decimal form when it terminates in a few digits (99.25), else the fraction.
    public var decimal: String {
        var d = den
        while d % 2 == 0 { d /= 2 }
        while d % 5 == 0 { d /= 5 }
        guard d == 1, den <= 1_000_000 else { return description }
        var s = String(doubleValue)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
