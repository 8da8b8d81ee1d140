// The GEMM the convolutions use: fcngc's own register-blocked kernel (Sources/CKernels: AVX-512
// 8x32 or AVX2 6x16 micro-kernels chosen from the CPU's features, a portable C one otherwise)
// instead of OpenBLAS, whose Debian build (0.3.21) falls back to SSE3 kernels on CPUs it does not
// recognise. For comparisons, FCNGC_GEMM in the environment picks the micro-kernel ("avx2",
// "portable"; the CPU must support it) or, with "openblas", sends the plain GEMMs (im2col, 1x1,
// fc6) back to OpenBLAS (Winograd's products stay on fcngc's kernel). Transposed products
// (deconvolution) always use OpenBLAS.

import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// The micro-kernels of fcngc's GEMM.
public enum GemmKernel: Int32, Sendable, CaseIterable {
    case portable = 0
    case avx2 = 1
    case avx512 = 2

    /// The one in use.
    public static var current: GemmKernel { GemmKernel(rawValue: fcn_gemm_isa()) ?? .portable }
    /// Whether this CPU can run it.
    public var isSupported: Bool { fcn_gemm_isa_supported(rawValue) != 0 }
    /// "avx512 8x32", "avx2 6x16", "portable 4x8".
    public var name: String { String(cString: fcn_gemm_isa_name(rawValue)) }

    /// Runs `body` with this micro-kernel (which the CPU must support) as the current one, then
    /// restores the previous one: for tests of every kernel on one CPU. Not for concurrent use.
    public func whileCurrent<R>(_ body: () throws -> R) rethrows -> R {
        let previous = fcn_gemm_use_isa(rawValue)
        precondition(previous >= 0, "the CPU cannot run the \(name) GEMM kernel")
        defer { fcn_gemm_use_isa(previous) }
        return try body()
    }

    /// C (m x n) = A (m x k) · B (k x n) (+ C if `accumulate`) on this micro-kernel (which the
    /// CPU must support), A packed first if `packingA`, then `bias` (m values) added per row and
    /// ReLU if `relu` in the GEMM's store: for tests of every kernel on one CPU.
    public func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, packingA: Bool,
                         bias: UnsafePointer<Float>? = nil, addend: UnsafePointer<Float>? = nil, ldAddend: Int = 0,
                         relu: Bool = false) {
        precondition(isSupported, "the CPU cannot run the \(name) GEMM kernel")
        fcn_sgemm_on_addend(rawValue, packingA ? 1 : 0, m, n, k, a, lda, b, ldb, accumulate ? 1 : 0, c, ldc,
                            bias, addend, ldAddend, relu ? 1 : 0)
    }
}

extension Kernels {
    /// True when FCNGC_GEMM=openblas: plain GEMMs go to OpenBLAS (for comparisons).
    public static let gemmUsesOpenBLAS: Bool = {
        guard let v = getenv("FCNGC_GEMM") else { return false }
        return String(cString: v) == "openblas"
    }()

    /// Which GEMM the plain products use, as printed by `fcngc bench`.
    public static var gemmDescription: String {
        gemmUsesOpenBLAS ? "OpenBLAS (FCNGC_GEMM=openblas)" : "fcngc \(GemmKernel.current.name)"
    }

    /// C (m x n) = A (m x k) · B (k x n) (+ C if `accumulate`), row-major, fcngc's own kernel.
    @inline(__always)
    static func ownGemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        fcn_sgemm(m, n, k, a, lda, b, ldb, accumulate ? 1 : 0, c, ldc)
    }
}

/// A left operand packed once for fcngc's GEMM (the micro-kernel's row panels), reused by many
/// products: the Winograd convolution's transformed weights.
public struct PackedGemmOperand: @unchecked Sendable {
    public let rows: Int
    public let depth: Int
    public let pointer: UnsafePointer<Float>

    /// Floats a rows x depth operand takes packed (rows rounded up to the micro-kernel's height).
    public static func floats(rows: Int, depth: Int) -> Int { fcn_gemm_packed_a_floats(rows, depth) }

    /// Where element (row, col) of a rows x depth operand lies in its packed form.
    public static func index(rows: Int, depth: Int, row: Int, column: Int) -> Int {
        fcn_gemm_packed_a_index(rows, depth, row, column)
    }

    /// Rows packed together by `pack(rows:…)`: a multiple of the micro-kernel's height.
    public static var rowUnit: Int { fcn_gemm_pack_rows_unit() }

    /// Packs rows [row0, row0 + count) of a rows x depth operand (`source` points at row row0,
    /// row0 a multiple of `rowUnit`) into their place in `destination`.
    public static func pack(rows: Int, depth: Int, row0: Int, count: Int, source: UnsafePointer<Float>, ld: Int,
                            into destination: UnsafeMutablePointer<Float>) {
        fcn_gemm_pack_a_rows(rows, depth, row0, count, source, ld, destination)
    }

    /// Packs `source` (rows x depth, row stride `ld`) into `destination` (`floats(rows:depth:)` floats).
    public init(packing source: UnsafePointer<Float>, rows: Int, depth: Int, ld: Int, into destination: UnsafeMutablePointer<Float>) {
        fcn_gemm_pack_a(rows, depth, source, ld, destination)
        self.rows = rows
        self.depth = depth
        pointer = UnsafePointer(destination)
    }

    init(rows: Int, depth: Int, pointer: UnsafePointer<Float>) {
        self.rows = rows
        self.depth = depth
        self.pointer = pointer
    }

    /// C (rows x n) = self · B (depth x n) (+ C if `accumulate`).
    @inline(__always)
    func multiply(n: Int, b: UnsafePointer<Float>, ldb: Int, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        fcn_sgemm_packed(rows, n, depth, pointer, b, ldb, accumulate ? 1 : 0, c, ldc)
    }
}
