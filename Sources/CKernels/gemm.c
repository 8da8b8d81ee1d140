// The GEMM drivers. A not packed (fcn_sgemm): GotoBLAS/BLIS loop order, for each block of NC
// columns and KC depth, B is packed into kc x nr panels (kept in L1 one at a time); for each
// block of mc rows, A is packed into kc x mr panels (kept in L2); then every mr x nr micro-tile
// of C is computed by the micro-kernel. A packed beforehand (convolution weights): B is packed
// over its whole depth for a block of columns that fits in L2, and each mc block of C takes all
// its depth blocks while it is in cache, so C is written once (with the bias/ReLU epilogue)
// instead of read and written once per depth block. Tiles past the matrix's edge are computed
// into a small buffer and only their valid part is written.

#include "fcn_gemm.h"
#include "gemm_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KC = 256, NC = 2048 };

static const struct fcn_kernel_shape shapes[3] = {
    [FCN_GEMM_PORTABLE] = {4, 8, 128, fcn_ukernel_portable_4x8},
    [FCN_GEMM_AVX2] = {6, 16, 72, fcn_ukernel_avx2_6x16},
    [FCN_GEMM_AVX512] = {8, 32, 64, fcn_ukernel_avx512_8x32},
};

static long round_up(long x, long m) { return (x + m - 1) / m * m; }

/// A per-thread, 64-byte aligned buffer of at least n floats (kept for the thread's lifetime).
static float *thread_buffer(float **buf, size_t *cap, size_t n) {
    if (*cap < n) {
        free(*buf);
        *buf = aligned_alloc(64, (size_t)round_up((long)(n * sizeof(float)), 64));
        if (!*buf) {
            fputs("fcngc: out of memory for GEMM packing buffers\n", stderr);
            abort();
        }
        *cap = n;
    }
    return *buf;
}

static _Thread_local float *b_buf, *a_buf;
static _Thread_local size_t b_cap, a_cap;

size_t fcn_gemm_packed_a_floats(long m, long k) {
    return (size_t)(round_up(m, shapes[fcn_gemm_isa()].mr) * k);
}

static void pack_a(const struct fcn_kernel_shape *s, long m, long k, const float *a, long lda, float *packed);

size_t fcn_gemm_packed_a_index(long m, long k, long row, long col) {
    const int mr = shapes[fcn_gemm_isa()].mr;
    long pc = col / KC * KC, kc = k - pc < KC ? k - pc : KC;
    return (size_t)(pc * round_up(m, mr) + row / mr * kc * mr + (col - pc) * mr + row % mr);
}

/// Rows [0, mc) x depth [0, kc) of A into mr-row panels: out[panel][k][r], zero rows past mc.
static void pack_a_block(long mc, long kc, const float *a, long lda, int mr, float *out) {
    for (long i = 0; i < mc; i += mr) {
        long rows = mc - i < mr ? mc - i : mr;
        const float *src = a + i * lda;
        if (rows == 8 && mr == 8) {
            // Eight sequential row streams, one contiguous 8-float write per k.
            const float *r0 = src, *r1 = src + lda, *r2 = src + 2 * lda, *r3 = src + 3 * lda;
            const float *r4 = src + 4 * lda, *r5 = src + 5 * lda, *r6 = src + 6 * lda, *r7 = src + 7 * lda;
            for (long k = 0; k < kc; ++k) {
                float *d = out + k * 8;
                d[0] = r0[k]; d[1] = r1[k]; d[2] = r2[k]; d[3] = r3[k];
                d[4] = r4[k]; d[5] = r5[k]; d[6] = r6[k]; d[7] = r7[k];
            }
        } else {
            for (long k = 0; k < kc; ++k)
                for (long r = 0; r < mr; ++r) out[k * mr + r] = r < rows ? src[r * lda + k] : 0.0f;
        }
        out += kc * mr;
    }
}

void fcn_gemm_pack_a(long m, long k, const float *a, long lda, float *packed) {
    pack_a(&shapes[fcn_gemm_isa()], m, k, a, lda, packed);
}

static void pack_a_rows(const struct fcn_kernel_shape *s, long m, long k, long row0, long rows,
                        const float *a, long lda, float *packed) {
    long mpad = round_up(m, s->mr);
    for (long pc = 0; pc < k; pc += KC) {
        long kc = k - pc < KC ? k - pc : KC;
        pack_a_block(rows, kc, a + pc, lda, s->mr, packed + pc * mpad + row0 * kc);
    }
}

static void pack_a(const struct fcn_kernel_shape *s, long m, long k, const float *a, long lda, float *packed) {
    pack_a_rows(s, m, k, 0, m, a, lda, packed);
}

long fcn_gemm_pack_rows_unit(void) { return shapes[fcn_gemm_isa()].mr; }

void fcn_gemm_pack_a_rows(long m, long k, long row0, long rows, const float *a, long lda, float *packed) {
    const struct fcn_kernel_shape *s = &shapes[fcn_gemm_isa()];
    if (row0 % s->mr != 0 || row0 < 0 || rows < 0 || row0 + rows > m) abort();
    pack_a_rows(s, m, k, row0, rows, a, lda, packed);
}

/// Columns [0, nc) x depth [0, kc) of B into nr-column panels: out[panel][k][j], zero past nc.
/// Row by row: each row of B is read once, front to back, and the rows 8 ahead are prefetched
/// (B's rows are a plane apart in a convolution, each in its own pages); each row's pieces go
/// to their panels as fixed-size copies the compiler inlines. (Panel by panel, with a memcpy
/// call per 16 floats, packing took 4% of FCN-ResNet50's time at 1 thread.)
static void pack_b_block(long kc, long nc, const float *b, long ldb, int nr, float *out) {
    const long full = nc / nr, tail = nc - full * nr, panel = kc * nr;
    for (long k = 0; k < kc; ++k) {
        const float *src = b + k * ldb;
        float *dst = out + k * nr;
        if (k + 8 < kc)
            for (long x = 0; x < nc; x += 16) __builtin_prefetch(src + 8 * ldb + x);
        switch (nr) {
        case 8:
            for (long p = 0; p < full; ++p) __builtin_memcpy(dst + p * panel, src + p * 8, 8 * sizeof(float));
            break;
        case 16:
            for (long p = 0; p < full; ++p) __builtin_memcpy(dst + p * panel, src + p * 16, 16 * sizeof(float));
            break;
        case 32:
            for (long p = 0; p < full; ++p) __builtin_memcpy(dst + p * panel, src + p * 32, 32 * sizeof(float));
            break;
        default:
            for (long p = 0; p < full; ++p) memcpy(dst + p * panel, src + p * nr, sizeof(float) * (size_t)nr);
            break;
        }
        if (tail) {
            float *t = dst + full * panel;
            memcpy(t, src + full * nr, sizeof(float) * (size_t)tail);
            memset(t + tail, 0, sizeof(float) * (size_t)(nr - tail));
        }
    }
}

/// A left operand packed beforehand (all rows_total x k_total of it), of which the product uses
/// rows [row0, row0 + m) (row0 a multiple of mr) and depth [k0, k0 + k): the driver's depth blocks
/// then follow the packed operand's KC blocks.
struct packed_view {
    const float *base;
    long mpad, k_total, row0, k0;
};

/// Bias (per row of C, or NULL), an addend matrix (at C's first element, row stride ld_add, or
/// NULL) and ReLU applied by the micro-kernels' store: only on a tile's last depth block.
struct epilogue {
    const float *bias;
    const float *add;
    long ld_add;
    int relu;
};

static const struct epilogue no_epilogue = {NULL, NULL, 0, 0};

/// The epilogue of the block of C that starts at row `row`, column `col` of `ep`'s.
static struct epilogue epilogue_at(struct epilogue ep, long row, long col) {
    struct epilogue e = {ep.bias ? ep.bias + row : NULL, ep.add ? ep.add + row * ep.ld_add + col : NULL, ep.ld_add, ep.relu};
    return e;
}

/// Every micro-tile of an mc x nc block of C from a packed A block (mr-row panels, a_stride
/// floats apart) and packed B panels (nr columns, b_stride floats apart), depth kc, then the
/// epilogue `ep` (its bias and addend at the block's first row). Tiles past the block's edge are
/// computed into a small buffer and only their valid part is written.
static void macro_kernel(const struct fcn_kernel_shape *s, long mc, long nc, long kc, const float *ablock,
                         long a_stride, const float *bpanels, long b_stride, int acc, struct epilogue ep,
                         float *c, long ldc) {
    const int mr = s->mr, nr = s->nr;
    _Alignas(64) float edge[8 * 32];
    for (long jr = 0; jr < nc; jr += nr) {
        long nv = nc - jr < nr ? nc - jr : nr;
        const float *bpanel = bpanels + jr / nr * b_stride;
        for (long ir = 0; ir < mc; ir += mr) {
            long mv = mc - ir < mr ? mc - ir : mr;
            float *ct = c + ir * ldc + jr;
            const float *apanel = ablock + ir / mr * a_stride;
            const struct epilogue te = epilogue_at(ep, ir, jr);
            if (mv == mr && nv == nr) {
                s->run(kc, apanel, bpanel, ct, ldc, acc, te.bias, te.add, te.ld_add, te.relu);
            } else {
                s->run(kc, apanel, bpanel, edge, nr, 0, NULL, NULL, 0, 0);
                for (long r = 0; r < mv; ++r)
                    for (long j = 0; j < nv; ++j) {
                        float v = (acc ? ct[r * ldc + j] : 0.0f) + edge[r * nr + j];
                        if (te.bias) v += te.bias[r];
                        if (te.add) v += te.add[r * te.ld_add + j];
                        ct[r * ldc + j] = te.relu && v < 0.0f ? 0.0f : v;
                    }
            }
        }
    }
}

static void zero_or_epilogue(long m, long n, int accumulate, struct epilogue ep, float *c, long ldc) {
    for (long i = 0; i < m; ++i)
        for (long j = 0; j < n; ++j) {
            float v = (accumulate ? c[i * ldc + j] : 0.0f) + (ep.bias ? ep.bias[i] : 0.0f)
                + (ep.add ? ep.add[i * ep.ld_add + j] : 0.0f);
            c[i * ldc + j] = ep.relu && v < 0.0f ? 0.0f : v;
        }
}

/// Whether there is nothing to multiply (no rows, columns or depth); C is then made what an empty
/// sum gives (kept or zeroed, then the epilogue).
static int empty_product(long m, long n, long k, int accumulate, struct epilogue ep, float *c, long ldc) {
    if (m <= 0 || n <= 0) return 1;
    if (k > 0) return 0;
    zero_or_epilogue(m, n, accumulate, ep, c, ldc);
    return 1;
}

/// A not packed beforehand: for each NC x KC block of B (packed), each mc block of A is packed
/// and multiplied (GotoBLAS order).
static void gemm(const struct fcn_kernel_shape *s, long m, long n, long k, const float *a, long lda,
                 const float *b, long ldb, int accumulate, struct epilogue ep, float *c, long ldc) {
    if (empty_product(m, n, k, accumulate, ep, c, ldc)) return;
    const int mr = s->mr, nr = s->nr;
    float *bp = thread_buffer(&b_buf, &b_cap, (size_t)KC * NC);
    float *ap = thread_buffer(&a_buf, &a_cap, (size_t)KC * s->mc);
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0, kc; pc < k; pc += kc) {
            kc = k - pc < KC ? k - pc : KC;
            int acc = accumulate || pc > 0, last = pc + kc == k;
            pack_b_block(kc, nc, b + pc * ldb + jc, ldb, nr, bp);
            for (long ic = 0; ic < m; ic += s->mc) {
                long mc = m - ic < s->mc ? m - ic : s->mc;
                pack_a_block(mc, kc, a + ic * lda + pc, lda, mr, ap);
                struct epilogue tile_ep = epilogue_at(ep, ic, jc);
                macro_kernel(s, mc, nc, kc, ap, kc * mr, bp, kc * nr, acc, last ? tile_ep : no_epilogue,
                             c + ic * ldc + jc, ldc);
            }
        }
    }
}

/// Floats of B packed at once by gemm_packed (all its depth, for a block of columns): about 1 MiB,
/// half of this machine's L2, so the block stays there while every row block of A passes over it.
enum { B_BLOCK_FLOATS = 256 * 1024 };

/// A packed beforehand: for each block of columns, B is packed over its whole depth ([panel][k][nr]),
/// then for each mc block of rows all depth blocks run in turn while that mc x nc block of C stays
/// in cache, and the epilogue follows the last one in the micro-kernels' store. C is written to
/// memory once instead of once per depth block.
static void gemm_packed(const struct fcn_kernel_shape *s, long m, long n, long k, const struct packed_view *pv,
                        const float *b, long ldb, int accumulate, struct epilogue ep, float *c, long ldc) {
    if (empty_product(m, n, k, accumulate, ep, c, ldc)) return;
    const int mr = s->mr, nr = s->nr;
    // Columns per block: as many as fit the budget over depth k, evened out over the blocks.
    long ncmax = B_BLOCK_FLOATS / k / nr * nr;
    if (ncmax < nr) ncmax = nr;
    long blocks = (n + ncmax - 1) / ncmax;
    long ncb = round_up((n + blocks - 1) / blocks, nr);
    float *bp = thread_buffer(&b_buf, &b_cap, (size_t)(k * ncb));
    for (long jc = 0; jc < n; jc += ncb) {
        long nc = n - jc < ncb ? n - jc : ncb;
        pack_b_block(k, nc, b + jc, ldb, nr, bp);
        for (long ic = 0; ic < m; ic += s->mc) {
            long mc = m - ic < s->mc ? m - ic : s->mc;
            struct epilogue tile_ep = epilogue_at(ep, ic, jc);
            for (long pc = 0, kc; pc < k; pc += kc) {
                // Depth block: up to the packed operand's next block boundary.
                long gk = pv->k0 + pc, block0 = gk / KC * KC;
                kc = k - pc < block0 + KC - gk ? k - pc : block0 + KC - gk;
                long kcb = pv->k_total - block0 < KC ? pv->k_total - block0 : KC;
                const float *ablock = pv->base + block0 * pv->mpad + (pv->row0 + ic) * kcb + (gk - block0) * mr;
                macro_kernel(s, mc, nc, kc, ablock, kcb * mr, bp + pc * nr, k * nr, accumulate || pc > 0,
                             pc + kc == k ? tile_ep : no_epilogue, c + ic * ldc + jc, ldc);
            }
        }
    }
}

void fcn_sgemm_prepacked(long m, long k, long panels, const float *packed_a, const float *packed_b,
                         long b_panel_stride, int accumulate, float *c, long ldc) {
    const struct fcn_kernel_shape *s = &shapes[fcn_gemm_isa()];
    const long mpad = round_up(m, s->mr);
    if (m <= 0 || panels <= 0 || k <= 0) abort();
    for (long pc = 0; pc < k; pc += KC) {
        const long kc = k - pc < KC ? k - pc : KC;
        for (long ic = 0; ic < m; ic += s->mc) {
            const long mc = m - ic < s->mc ? m - ic : s->mc;
            macro_kernel(s, mc, panels * s->nr, kc, packed_a + pc * mpad + ic * kc, kc * s->mr,
                         packed_b + pc * s->nr, b_panel_stride, accumulate || pc > 0, no_epilogue, c + ic * ldc, ldc);
        }
    }
}

void fcn_sgemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
               int accumulate, float *c, long ldc) {
    gemm(&shapes[fcn_gemm_isa()], m, n, k, a, lda, b, ldb, accumulate, no_epilogue, c, ldc);
}

void fcn_sgemm_packed(long m, long n, long k, const float *packed_a, const float *b, long ldb,
                      int accumulate, float *c, long ldc) {
    fcn_sgemm_packed_part_epilogue(m, k, packed_a, 0, m, 0, k, n, b, ldb, accumulate, c, ldc, NULL, 0);
}

void fcn_sgemm_packed_part(long m_total, long k_total, const float *packed_a, long row0, long m, long k0, long k,
                           long n, const float *b, long ldb, int accumulate, float *c, long ldc) {
    fcn_sgemm_packed_part_epilogue(m_total, k_total, packed_a, row0, m, k0, k, n, b, ldb, accumulate, c, ldc, NULL, 0);
}

void fcn_sgemm_packed_part_epilogue(long m_total, long k_total, const float *packed_a, long row0, long m, long k0,
                                    long k, long n, const float *b, long ldb, int accumulate, float *c, long ldc,
                                    const float *bias, int relu) {
    fcn_sgemm_packed_part_addend(m_total, k_total, packed_a, row0, m, k0, k, n, b, ldb, accumulate, c, ldc,
                                 bias, NULL, 0, relu);
}

void fcn_sgemm_packed_part_addend(long m_total, long k_total, const float *packed_a, long row0, long m, long k0,
                                  long k, long n, const float *b, long ldb, int accumulate, float *c, long ldc,
                                  const float *bias, const float *addend, long ld_addend, int relu) {
    const struct fcn_kernel_shape *s = &shapes[fcn_gemm_isa()];
    if (row0 % s->mr != 0 || row0 < 0 || m < 0 || row0 + m > m_total || k0 < 0 || k < 0 || k0 + k > k_total) abort();
    if (addend && ld_addend < n) abort();
    struct packed_view pv = {packed_a, round_up(m_total, s->mr), k_total, row0, k0};
    struct epilogue ep = {bias, addend, ld_addend, relu != 0};
    gemm_packed(s, m, n, k, &pv, b, ldb, accumulate, ep, c, ldc);
}

void fcn_sgemm_on(int isa, int pack_a_first, long m, long n, long k, const float *a, long lda,
                  const float *b, long ldb, int accumulate, float *c, long ldc) {
    fcn_sgemm_on_epilogue(isa, pack_a_first, m, n, k, a, lda, b, ldb, accumulate, c, ldc, NULL, 0);
}

void fcn_sgemm_on_epilogue(int isa, int pack_a_first, long m, long n, long k, const float *a, long lda,
                           const float *b, long ldb, int accumulate, float *c, long ldc, const float *bias, int relu) {
    fcn_sgemm_on_addend(isa, pack_a_first, m, n, k, a, lda, b, ldb, accumulate, c, ldc, bias, NULL, 0, relu);
}

void fcn_sgemm_on_addend(int isa, int pack_a_first, long m, long n, long k, const float *a, long lda,
                         const float *b, long ldb, int accumulate, float *c, long ldc, const float *bias,
                         const float *addend, long ld_addend, int relu) {
    if (!fcn_gemm_isa_supported(isa)) abort();
    if (addend && ld_addend < n) abort();
    const struct fcn_kernel_shape *s = &shapes[isa];
    struct epilogue ep = {bias, addend, ld_addend, relu != 0};
    if (!pack_a_first) {
        gemm(s, m, n, k, a, lda, b, ldb, accumulate, ep, c, ldc);
        return;
    }
    float *packed = aligned_alloc(64, (size_t)round_up((long)(sizeof(float) * (size_t)(round_up(m, s->mr) * k)), 64) + 64);
    if (!packed) abort();
    pack_a(s, m, k, a, lda, packed);
    struct packed_view pv = {packed, round_up(m, s->mr), k, 0, 0};
    gemm_packed(s, m, n, k, &pv, b, ldb, accumulate, ep, c, ldc);
    free(packed);
}

const struct fcn_kernel_shape *fcn_gemm_shape(int isa) { return &shapes[isa]; }

long fcn_gemm_depth_block(void) { return KC; }
