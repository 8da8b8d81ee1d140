// Bit-exact conversions between Float32 and the 16-bit float formats of weight files.

enum FloatFormats {
    /// IEEE binary16 bits -> Float (exact).
    @inline(__always)
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exp = Int((bits >> 10) & 0x1F)
        let frac = UInt32(bits & 0x3FF)
        if exp == 0x1F {  // inf / NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (frac << 13))
        }
        if exp == 0 {
            if frac == 0 { return Float(bitPattern: sign) }
            // Subnormal: frac * 2^-24, exact in Float.
            let v = Float(frac) * 0x1p-24
            return sign != 0 ? -v : v
        }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
    }

    /// Float -> IEEE binary16 bits, round to nearest even (overflow gives infinity).
    static func floatToHalf(_ f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exp = Int((x >> 23) & 0xFF)
        var mant = x & 0x7F_FFFF
        if exp == 0xFF {
            return sign | 0x7C00 | (mant != 0 ? 0x200 | UInt16(mant >> 13) : 0)
        }
        let e = exp - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }  // rounds to zero
            mant |= 0x80_0000
            let shift = UInt32(14 - e)
            var h = mant >> shift
            let rem = mant & ((1 << shift) - 1)
            let half = UInt32(1) << (shift - 1)
            if rem > half || (rem == half && (h & 1) == 1) { h += 1 }
            return sign | UInt16(h)
        }
        var h = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) { h += 1 }  // may carry into inf: correct
        return sign | UInt16(h)
    }

    /// bfloat16 bits -> Float (exact).
    @inline(__always)
    static func bfloat16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float -> bfloat16 bits, round to nearest even; NaN stays NaN.
    static func floatToBFloat16(_ f: Float) -> UInt16 {
        let x = f.bitPattern
        if f.isNaN { return UInt16(x >> 16) | 0x40 }
        let rounding = UInt32(0x7FFF) + ((x >> 16) & 1)
        return UInt16((x &+ rounding) >> 16)
    }
}
