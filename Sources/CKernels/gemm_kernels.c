// The GEMM micro-kernels: an mr x nr block of C kept in registers while kc rank-1 updates
// stream through it (one row of the B panel loaded as vectors, each A value broadcast). The
// store is the epilogue: plus C (acc), plus a bias per row, plus an addend tile (a residual
// connection's shortcut), then ReLU, in registers.
// The x86 ones are compiled for their instruction set with target attributes, so this file
// needs no -march flag and the driver only calls them on CPUs that have it.

#include "gemm_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// AVX-512: 8 rows x 32 columns = 16 zmm accumulators, 2 B vectors and 1 broadcast per step.
#define Z_DECL(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps();
#define Z_STEP(r) { __m512 ar = _mm512_set1_ps(a[r]); \
    c##r##0 = _mm512_fmadd_ps(ar, b0, c##r##0); c##r##1 = _mm512_fmadd_ps(ar, b1, c##r##1); }
#define Z_STORE(r) { float *cr = c + (r) * ldc; \
    if (acc) { c##r##0 = _mm512_add_ps(c##r##0, _mm512_loadu_ps(cr)); \
               c##r##1 = _mm512_add_ps(c##r##1, _mm512_loadu_ps(cr + 16)); } \
    if (bias) { __m512 br = _mm512_set1_ps(bias[r]); \
                c##r##0 = _mm512_add_ps(c##r##0, br); c##r##1 = _mm512_add_ps(c##r##1, br); } \
    if (add) { c##r##0 = _mm512_add_ps(c##r##0, _mm512_loadu_ps(add + (r) * ldadd)); \
               c##r##1 = _mm512_add_ps(c##r##1, _mm512_loadu_ps(add + (r) * ldadd + 16)); } \
    if (relu) { c##r##0 = _mm512_max_ps(c##r##0, _mm512_setzero_ps()); \
                c##r##1 = _mm512_max_ps(c##r##1, _mm512_setzero_ps()); } \
    _mm512_storeu_ps(cr, c##r##0); _mm512_storeu_ps(cr + 16, c##r##1); }

__attribute__((target("avx512f")))
void fcn_ukernel_avx512_8x32(long kc, const float *restrict a, const float *restrict b,
                             float *restrict c, long ldc, int acc,
                             const float *restrict bias, const float *add, long ldadd, int relu) {
    Z_DECL(0) Z_DECL(1) Z_DECL(2) Z_DECL(3) Z_DECL(4) Z_DECL(5) Z_DECL(6) Z_DECL(7)
    for (int r = 0; r < 8; ++r) _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    // The addend tile (a residual's shortcut, read once from memory in the store) and the next
    // row block's, whose tile the driver computes next: fetched while this one multiplies.
    if (add)
        for (int r = 0; r < 16; ++r) {
            _mm_prefetch((const char *)(add + r * ldadd), _MM_HINT_T0);
            _mm_prefetch((const char *)(add + r * ldadd + 16), _MM_HINT_T0);
        }
    // The next A panel (the driver's panels are consecutive, kc * 8 floats apart) is fetched
    // into cache a line per two steps while this one is multiplied: it may come from L3.
    const float *next = a + kc * 8;
    long k = 0;
    for (; k + 2 <= kc; k += 2) {
        _mm_prefetch((const char *)(next + k * 8), _MM_HINT_T0);
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
        Z_STEP(0) Z_STEP(1) Z_STEP(2) Z_STEP(3) Z_STEP(4) Z_STEP(5) Z_STEP(6) Z_STEP(7)
        a += 8;
        b += 32;
        b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
        Z_STEP(0) Z_STEP(1) Z_STEP(2) Z_STEP(3) Z_STEP(4) Z_STEP(5) Z_STEP(6) Z_STEP(7)
        a += 8;
        b += 32;
    }
    for (; k < kc; ++k) {
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
        Z_STEP(0) Z_STEP(1) Z_STEP(2) Z_STEP(3) Z_STEP(4) Z_STEP(5) Z_STEP(6) Z_STEP(7)
        a += 8;
        b += 32;
    }
    Z_STORE(0) Z_STORE(1) Z_STORE(2) Z_STORE(3) Z_STORE(4) Z_STORE(5) Z_STORE(6) Z_STORE(7)
}

// AVX2 + FMA: 6 rows x 16 columns = 12 ymm accumulators, 2 B vectors and 1 broadcast per step.
#define Y_DECL(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();
#define Y_STEP(r) { __m256 ar = _mm256_broadcast_ss(a + (r)); \
    c##r##0 = _mm256_fmadd_ps(ar, b0, c##r##0); c##r##1 = _mm256_fmadd_ps(ar, b1, c##r##1); }
#define Y_STORE(r) { float *cr = c + (r) * ldc; \
    if (acc) { c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(cr)); \
               c##r##1 = _mm256_add_ps(c##r##1, _mm256_loadu_ps(cr + 8)); } \
    if (bias) { __m256 br = _mm256_set1_ps(bias[r]); \
                c##r##0 = _mm256_add_ps(c##r##0, br); c##r##1 = _mm256_add_ps(c##r##1, br); } \
    if (add) { c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(add + (r) * ldadd)); \
               c##r##1 = _mm256_add_ps(c##r##1, _mm256_loadu_ps(add + (r) * ldadd + 8)); } \
    if (relu) { c##r##0 = _mm256_max_ps(c##r##0, _mm256_setzero_ps()); \
                c##r##1 = _mm256_max_ps(c##r##1, _mm256_setzero_ps()); } \
    _mm256_storeu_ps(cr, c##r##0); _mm256_storeu_ps(cr + 8, c##r##1); }

__attribute__((target("avx2,fma")))
void fcn_ukernel_avx2_6x16(long kc, const float *restrict a, const float *restrict b,
                           float *restrict c, long ldc, int acc,
                           const float *restrict bias, const float *add, long ldadd, int relu) {
    Y_DECL(0) Y_DECL(1) Y_DECL(2) Y_DECL(3) Y_DECL(4) Y_DECL(5)
    for (int r = 0; r < 6; ++r) _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    // The addend tile and the next row block's (as in the AVX-512 kernel); a row's 16 floats
    // span at most two lines.
    if (add)
        for (int r = 0; r < 12; ++r) {
            _mm_prefetch((const char *)(add + r * ldadd), _MM_HINT_T0);
            _mm_prefetch((const char *)(add + r * ldadd + 15), _MM_HINT_T0);
        }
    // The next A panel (kc * 6 floats on), a line per 16 / 6 steps: every other step's prefetch
    // lands in the same line, which costs only the instruction.
    const float *next = a + kc * 6;
    long k = 0;
    for (; k + 2 <= kc; k += 2) {
        _mm_prefetch((const char *)(next + k * 6), _MM_HINT_T0);
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        Y_STEP(0) Y_STEP(1) Y_STEP(2) Y_STEP(3) Y_STEP(4) Y_STEP(5)
        a += 6;
        b += 16;
        b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        Y_STEP(0) Y_STEP(1) Y_STEP(2) Y_STEP(3) Y_STEP(4) Y_STEP(5)
        a += 6;
        b += 16;
    }
    for (; k < kc; ++k) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        Y_STEP(0) Y_STEP(1) Y_STEP(2) Y_STEP(3) Y_STEP(4) Y_STEP(5)
        a += 6;
        b += 16;
    }
    Y_STORE(0) Y_STORE(1) Y_STORE(2) Y_STORE(3) Y_STORE(4) Y_STORE(5)
}

#else

void fcn_ukernel_avx512_8x32(long kc, const float *a, const float *b, float *c, long ldc, int acc,
                             const float *bias, const float *add, long ldadd, int relu) {
    (void)kc; (void)a; (void)b; (void)c; (void)ldc; (void)acc; (void)bias; (void)add; (void)ldadd; (void)relu;
}
void fcn_ukernel_avx2_6x16(long kc, const float *a, const float *b, float *c, long ldc, int acc,
                           const float *bias, const float *add, long ldadd, int relu) {
    (void)kc; (void)a; (void)b; (void)c; (void)ldc; (void)acc; (void)bias; (void)add; (void)ldadd; (void)relu;
}

#endif

// Portable: 4 x 8 in plain C (the compiler vectorises the inner loops for the baseline ISA).
void fcn_ukernel_portable_4x8(long kc, const float *restrict a, const float *restrict b,
                              float *restrict c, long ldc, int acc,
                              const float *restrict bias, const float *add, long ldadd, int relu) {
    float t[4][8] = {{0}};
    for (long k = 0; k < kc; ++k) {
        for (int r = 0; r < 4; ++r) {
            float ar = a[r];
            for (int j = 0; j < 8; ++j) t[r][j] += ar * b[j];
        }
        a += 4;
        b += 8;
    }
    for (int r = 0; r < 4; ++r) {
        float *cr = c + r * ldc;
        for (int j = 0; j < 8; ++j) {
            float v = (acc ? cr[j] : 0.0f) + t[r][j];
            if (bias) v += bias[r];
            if (add) v += add[r * ldadd + j];
            cr[j] = relu && v < 0.0f ? 0.0f : v;
        }
    }
}
