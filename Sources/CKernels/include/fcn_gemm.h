// fcn_gemm: a register-blocked single-precision GEMM for fcngc's convolutions (row-major,
// no transposes, alpha = 1, beta = 0 or 1), with an AVX-512 micro-kernel (8x32), an AVX2+FMA
// one (6x16) and a portable C one (4x8), chosen once per process from the CPU's features
// (__builtin_cpu_supports). Single-threaded: fcngc's kernels split the work over threads
// themselves. The left operand can be packed once (fcn_gemm_pack_a) and reused, which the
// Winograd convolution does with its transformed weights.
#ifndef FCN_GEMM_H
#define FCN_GEMM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Micro-kernels, in order of preference.
enum fcn_gemm_isa { FCN_GEMM_PORTABLE = 0, FCN_GEMM_AVX2 = 1, FCN_GEMM_AVX512 = 2 };

/// The micro-kernel in use, chosen on first use: the best the CPU supports, or the one named by
/// the environment variable FCNGC_GEMM ("avx512", "avx2", "portable") if the CPU supports it.
int fcn_gemm_isa(void);
/// Whether this CPU can run the given micro-kernel.
int fcn_gemm_isa_supported(int isa);
/// Makes `isa` the micro-kernel in use (the CPU must support it) and returns the one before, or
/// -1 if the CPU cannot run it. For tests of code that follows the current kernel (Winograd):
/// operands packed under one kernel must not be used under another.
int fcn_gemm_use_isa(int isa);
/// A short name of a micro-kernel: "avx512 8x32", "avx2 6x16", "portable 4x8".
const char *fcn_gemm_isa_name(int isa);

/// Floats a packed m x k left operand takes (rows rounded up to the micro-kernel's height).
size_t fcn_gemm_packed_a_floats(long m, long k);
/// Where element (row, col) of an m x k operand lies in its packed form.
size_t fcn_gemm_packed_a_index(long m, long k, long row, long col);
/// Packs A (m x k, row stride lda) for fcn_sgemm_packed.
void fcn_gemm_pack_a(long m, long k, const float *a, long lda, float *packed);
/// Rows of A (micro-kernel panels) packed together: a multiple of the micro-kernel's height.
long fcn_gemm_pack_rows_unit(void);
/// Packs rows [row0, row0 + rows) of an m x k operand (row0 a multiple of fcn_gemm_pack_rows_unit();
/// `a` points at row row0) into its place in `packed`, so an operand can be packed piece by piece.
void fcn_gemm_pack_a_rows(long m, long k, long row0, long rows, const float *a, long lda, float *packed);

/// C (m x n, row stride ldc) = A (m x k) * B (k x n) (+ C when accumulate != 0).
void fcn_sgemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
               int accumulate, float *c, long ldc);
/// The same with A packed by fcn_gemm_pack_a (under the current micro-kernel).
void fcn_sgemm_packed(long m, long n, long k, const float *packed_a, const float *b, long ldb,
                      int accumulate, float *c, long ldc);
/// Part of a product with a packed operand: C (m x n) = A[row0 ..< row0 + m][k0 ..< k0 + k] * B (k x n)
/// (+ C when accumulate != 0), A (m_total x k_total) packed by fcn_gemm_pack_a, row0 a multiple of
/// fcn_gemm_pack_rows_unit(): for convolutions whose weights are packed once and used by row
/// blocks (threads) and depth tiles (im2col by input channels).
void fcn_sgemm_packed_part(long m_total, long k_total, const float *packed_a, long row0, long m, long k0, long k,
                           long n, const float *b, long ldb, int accumulate, float *c, long ldc);
/// fcn_sgemm_packed_part with an epilogue: then bias[i] (bias may be NULL; it points at the
/// bias of row row0) is added to row i of C and, if relu != 0, max(0, .) taken, as each tile of C
/// is stored after its last depth block (no separate pass over C). The sums are the same as
/// fcn_sgemm_packed_part's followed by the bias and ReLU.
void fcn_sgemm_packed_part_epilogue(long m_total, long k_total, const float *packed_a, long row0, long m, long k0,
                                    long k, long n, const float *b, long ldb, int accumulate, float *c, long ldc,
                                    const float *bias, int relu);
/// fcn_sgemm_packed_part_epilogue with an addend as well: addend[i * ld_addend + j] (addend points
/// at the element of C's first row and column; ld_addend >= n) is added to C[i][j] after the
/// bias and before the ReLU, in the same store. A residual connection's shortcut added by the
/// conv before it: C must not overlap the addend (the store of an earlier depth block would
/// overwrite what a later one adds).
void fcn_sgemm_packed_part_addend(long m_total, long k_total, const float *packed_a, long row0, long m, long k0,
                                  long k, long n, const float *b, long ldb, int accumulate, float *c, long ldc,
                                  const float *bias, const float *addend, long ld_addend, int relu);
/// Both operands packed beforehand: C (m x panels·nr, row stride ldc) = A (m x k, packed by
/// fcn_gemm_pack_a) · B (+ C when accumulate != 0), whose columns are `panels` panels of the
/// micro-kernel's width nr, each k x nr and k-major, `b_panel_stride` floats apart (k·nr when
/// B is exactly k deep; more when B is the first k rows of a deeper operand), zero columns past
/// the matrix, as the Winograd input transforms store them. Every column of C a panel covers is written.
void fcn_sgemm_prepacked(long m, long k, long panels, const float *packed_a, const float *packed_b,
                         long b_panel_stride, int accumulate, float *c, long ldc);
/// fcn_sgemm on a given micro-kernel (which the CPU must support), packed or not: for tests.
void fcn_sgemm_on(int isa, int pack_a_first, long m, long n, long k, const float *a, long lda,
                  const float *b, long ldb, int accumulate, float *c, long ldc);
/// fcn_sgemm_on with the epilogue of fcn_sgemm_packed_part_epilogue (bias per row of C or NULL,
/// then ReLU if relu != 0): for tests.
void fcn_sgemm_on_epilogue(int isa, int pack_a_first, long m, long n, long k, const float *a, long lda,
                           const float *b, long ldb, int accumulate, float *c, long ldc, const float *bias, int relu);
/// fcn_sgemm_on with the epilogue of fcn_sgemm_packed_part_addend (bias, addend, ReLU): for tests.
void fcn_sgemm_on_addend(int isa, int pack_a_first, long m, long n, long k, const float *a, long lda,
                         const float *b, long ldb, int accumulate, float *c, long ldc, const float *bias,
                         const float *addend, long ld_addend, int relu);

#ifdef __cplusplus
}
#endif

#endif
