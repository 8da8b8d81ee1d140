// Shared between the GEMM driver (gemm.c) and the micro-kernels (gemm_kernels.c).
#ifndef FCN_GEMM_INTERNAL_H
#define FCN_GEMM_INTERNAL_H

/// C (mr x nr, row stride ldc) = A panel (kc x mr, k-major) * B panel (kc x nr, k-major),
/// plus C when acc != 0, plus bias[r] on row r when bias is not NULL, plus the tile of `add`
/// (row stride ldadd) when add is not NULL, then max(0, .) when relu != 0. Panels are whole:
/// the driver pads them with zeros.
typedef void (*fcn_ukernel)(long kc, const float *a, const float *b, float *c, long ldc, int acc,
                            const float *bias, const float *add, long ldadd, int relu);

struct fcn_kernel_shape {
    int mr, nr;        // micro-tile rows (broadcast from A) and columns (vectors of B)
    int mc;            // rows of A per block (a multiple of mr): 64 / 72 measured best in FCN-ResNet50
    fcn_ukernel run;
};

void fcn_ukernel_avx512_8x32(long kc, const float *a, const float *b, float *c, long ldc, int acc,
                             const float *bias, const float *add, long ldadd, int relu);
void fcn_ukernel_avx2_6x16(long kc, const float *a, const float *b, float *c, long ldc, int acc,
                           const float *bias, const float *add, long ldadd, int relu);
void fcn_ukernel_portable_4x8(long kc, const float *a, const float *b, float *c, long ldc, int acc,
                              const float *bias, const float *add, long ldadd, int relu);

/// The shape and micro-kernel of an ISA (enum fcn_gemm_isa), and the depth block KC that
/// packed left operands are laid out in (fcn_gemm_packed_a_index): for drivers outside gemm.c.
const struct fcn_kernel_shape *fcn_gemm_shape(int isa);
long fcn_gemm_depth_block(void);

#endif
