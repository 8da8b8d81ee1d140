// Winograd minimal filtering F(m x m, 3 x 3) (Lavin & Gray 2015): an (m+2) x (m+2) input tile d
// and a 3x3 kernel g give an m x m output tile Y = A^T [(G g G^T) ⊙ (B^T d B)] A.
// F(2,3): 16 multiplications per 4 outputs instead of 36 (2.25x fewer); F(4,3): 36 per 16
// instead of 144 (4x fewer), with larger rounding error (its points 0, ±1, ±2 need the
// constants 4, 5, 8 and 1/24); F(6,3): 64 per 36 instead of 324 (5.06x fewer), whose points
// ±1/2 and constants up to 32 and 5.25 give the largest rounding error of the three, and whose
// transformed weights take 7.1x the memory of the 3x3 ones (the conv-algorithm pass gives it
// only to convs with many channels, within the transformed-weight budget).
//
// The transforms themselves (B^T d B, A^T m A) run in C on 16 tiles at a time
// (Sources/CKernels/winograd.c); the weight transform G g G^T is done here, in Double, once.

import FCNPlan

/// The tile sizes the kernel implements.
public enum WinogradTile: Int, Sendable, CaseIterable {
    case f2x3 = 2
    case f4x3 = 4
    case f6x3 = 6

    /// Output tile side m.
    public var m: Int { rawValue }
    /// Input tile side m + 2.
    public var alpha: Int { rawValue + 2 }
    /// Element-wise products per tile: alpha².
    public var positions: Int { alpha * alpha }
    /// The plan's name for this tile's algorithm.
    public var algorithm: ConvAlgorithm {
        switch self {
        case .f2x3: return .winogradF2x3
        case .f4x3: return .winogradF4x3
        case .f6x3: return .winogradF6x3
        }
    }
    /// Whether the kernel can apply a fused 2x2 stride-2 max pool to its output tiles (the plan's rule).
    public var fusesPool: Bool { algorithm.fusesMaxPool }

    /// Rows of G (alpha x 3), exact in Double.
    var g: [[Double]] {
        switch self {
        case .f2x3: return [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        case .f4x3:
            return [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                    [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        case .f6x3:   // points 0, ±1, ±2, ±1/2 (the last two scaled by 1/32, A^T by 32), ∞
            return [[1, 0, 0], [-2.0 / 9, -2.0 / 9, -2.0 / 9], [-2.0 / 9, 2.0 / 9, -2.0 / 9],
                    [1.0 / 90, 1.0 / 45, 2.0 / 45], [1.0 / 90, -1.0 / 45, 2.0 / 45],
                    [1.0 / 45, 1.0 / 90, 1.0 / 180], [1.0 / 45, -1.0 / 90, 1.0 / 180], [0, 0, 1]]
        }
    }
}
