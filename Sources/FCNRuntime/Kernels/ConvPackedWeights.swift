// A convolution's weights for the GEMM paths (im2col and 1x1), packed once for fcngc's GEMM
// when the executable is built (PreparedWeights), instead of on every call: per group, the
// (C_out/group) x (C_in/group * kh * kw) left operand in the micro-kernel's row panels. Only the
// packed form is kept. The conv kernel takes either form through `ConvWeights`.

import CKernels

/// Packed weights of one convolution (all groups), for `Kernels.conv2d(input:…packedWeights:…)`.
public final class PackedConvWeights: @unchecked Sendable {
    public let outChannels: Int
    public let groups: Int
    /// Rows (C_out/group) and depth (C_in/group * kh * kw) of each group's operand.
    public let rowsPerGroup: Int
    public let depth: Int
    /// The micro-kernel the layout belongs to (fixed per process).
    public let kernel: GemmKernel
    let storage: Tensor
    let floatsPerGroup: Int

    /// Packs `weights` (C_out, C_in/group, kh, kw), row-major.
    public init(weights: UnsafePointer<Float>, outChannels: Int, groups: Int, depth: Int) {
        precondition(groups >= 1 && outChannels % groups == 0, "bad conv weight shape")
        self.outChannels = outChannels
        self.groups = groups
        rowsPerGroup = outChannels / groups
        self.depth = depth
        kernel = GemmKernel.current
        floatsPerGroup = PackedGemmOperand.floats(rows: rowsPerGroup, depth: depth)
        storage = Tensor(shape: [groups * floatsPerGroup])
        for g in 0..<groups {
            fcn_gemm_pack_a(rowsPerGroup, depth, weights + g * rowsPerGroup * depth, depth, storage.pointer + g * floatsPerGroup)
        }
    }

    /// Bytes held.
    public var bytes: Int { groups * floatsPerGroup * MemoryLayout<Float>.stride }
}

/// The left operand of a convolution's GEMMs: plain row-major weights or packed ones.
enum ConvWeights: @unchecked Sendable {
    case plain(UnsafePointer<Float>)
    case packed(PackedConvWeights)

    /// Row blocks handed to different threads start at multiples of this.
    var rowAlignment: Int {
        switch self {
        case .plain: 16
        case .packed: PackedGemmOperand.rowUnit * max(1, 16 / PackedGemmOperand.rowUnit)
        }
    }

    /// C (rows.count x n) = W_group[rows][depth] · B (depth.count x n) (+ C if `accumulate`),
    /// then `bias` (of row rows.lowerBound on, or nil) added per row, `addend` (its element of C's
    /// first row and column, rows `ldAddend` apart, or nil: a fused residual's shortcut, which C
    /// must not overlap) added, and ReLU if `relu`; `kSize` is the full depth of a group's
    /// operand. Packed weights apply all that in the GEMM's store (no second pass over C); plain
    /// ones in a pass after the product.
    @inline(__always)
    func multiply(group g: Int, rowsPerGroup: Int, kSize: Int, rows: Range<Int>, depth: Range<Int>, n: Int,
                  b: UnsafePointer<Float>, ldb: Int, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
                  bias: UnsafePointer<Float>? = nil, addend: UnsafePointer<Float>? = nil, ldAddend: Int = 0, relu: Bool = false) {
        switch self {
        case .plain(let w):
            Kernels.sgemm(transA: false, transB: false, m: rows.count, n: n, k: depth.count,
                          a: w + (g * rowsPerGroup + rows.lowerBound) * kSize + depth.lowerBound, lda: kSize,
                          b: b, ldb: ldb, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
            Kernels.biasRelu(c, planes: rows.count, planeStride: ldc, length: n, bias: bias, addend: addend, addendStride: ldAddend,
                             relu: relu, threads: 1)
        case .packed(let p):
            precondition(p.kernel == GemmKernel.current && p.rowsPerGroup == rowsPerGroup && p.depth == kSize,
                         "packed conv weights do not match the convolution")
            if let addend {
                fcn_sgemm_packed_part_addend(rowsPerGroup, kSize, p.storage.pointer + g * p.floatsPerGroup, rows.lowerBound,
                                             rows.count, depth.lowerBound, depth.count, n, b, ldb, accumulate ? 1 : 0, c, ldc,
                                             bias, addend, ldAddend, relu ? 1 : 0)
            } else {
                fcn_sgemm_packed_part_epilogue(rowsPerGroup, kSize, p.storage.pointer + g * p.floatsPerGroup, rows.lowerBound,
                                               rows.count, depth.lowerBound, depth.count, n, b, ldb, accumulate ? 1 : 0, c, ldc,
                                               bias, relu ? 1 : 0)
            }
        }
    }
}
