// Winograd minimal filtering F(2x2, 7x7) for stride-1, undilated 7x7 convolutions (fc6 of the
// VGG FCNs), on the interpolation points 0, ±1, ±2, ±1/2 and ∞ (those of the usual F(6x6, 3x3):
// the same 8x8 input transform). An 8x8 input tile d and a 7x7 kernel g give a 2x2 output
// tile Y = A^T [(G g G^T) ⊙ (B^T d B)] A; summed over input channels, the 64 element-wise
// products become 64 GEMMs M[ξ] (C_out x T) = U[ξ] (C_out x C_in) · V[ξ] (C_in x T).
//
// The transformed weights U take 64/49 of the weights, so they are made anew on every run:
//   1. (fcn_winograd7_inputs, workers split the input channels) V = B^T d B for every tile of
//      a group, stored into the GEMM's packed right-hand panels V[ξ][panel][c][nr];
//   2. (fcn_winograd7_block, workers take blocks of FCN_WINOGRAD7_BLOCK output channels) for
//      each run of DEPTH_RUN input channels: the block's U = G g G^T, 16 output channels per
//      vector (the weights are kept interleaved that way, fcn_winograd7_interleave), stored
//      straight into packed left-hand operands, then the 64 products of that depth on fcngc's
//      GEMM micro-kernel (fcn_sgemm_prepacked), accumulated into M. Runs of DEPTH_RUN channels
//      keep U (64 x 36 x DEPTH_RUN floats, 512 KiB) and M in the core's L2: a whole block's U (4.7 MB
//      for fc6) went out to memory and back, and the transform took as long as the products.
//      Then Y = A^T M A on 16 tiles at a time, bias and ReLU added, scattered to the output.
// Transforming the weights costs about 600 vector operations per 16 channel pairs, against 64
// multiply-adds per pair and tile in the products: at FCN-8s' 500x500 (64 tiles of fc6) the
// products still dominate. The caller keeps groups of tiles large for that reason.
// The bodies (winograd7_body.h) are compiled for AVX-512, AVX2 and the baseline ISA and chosen
// with the GEMM's micro-kernel, since the packed layouts depend on it.

#include "fcn_winograd7.h"
#include "fcn_gemm.h"
#include "gemm_internal.h"
#include "simd_macros.h"

#include <stdlib.h>
#include <string.h>

/// Input channels whose weights are transformed and multiplied together (a run).
enum { DEPTH_RUN = 64 };

/// B^T x for x0...x7 (out[i * s]): the rows of B^T, sharing sums.
#define bt8(x0_, x1_, x2_, x3_, x4_, x5_, x6_, x7_, T, out, s) do { \
    T x0 = (x0_), x1 = (x1_), x2 = (x2_), x3 = (x3_), x4 = (x4_), x5 = (x5_), x6 = (x6_), x7 = (x7_); \
    T p1 = x2 - 4.25f * x4 + x6, q1 = x1 - 4.25f * x3 + x5; \
    T p3 = 0.25f * x2 - 1.25f * x4 + x6, q3 = 0.5f * x1 - 2.5f * x3 + 2.0f * x5; \
    T p5 = 4.0f * x2 - 5.0f * x4 + x6, q5 = 2.0f * x1 - 2.5f * x3 + 0.5f * x5; \
    (out)[0] = x6 - x0 + 5.25f * (x2 - x4); (out)[(s)] = p1 + q1; (out)[2 * (s)] = p1 - q1; \
    (out)[3 * (s)] = p3 + q3; (out)[4 * (s)] = p3 - q3; (out)[5 * (s)] = p5 + q5; (out)[6 * (s)] = p5 - q5; \
    (out)[7 * (s)] = x7 - x1 + 5.25f * (x3 - x5); } while (0)

/// G x for x0...x6 (out[i * s], 8 values): the rows of G, sharing sums.
#define g7(x0_, x1_, x2_, x3_, x4_, x5_, x6_, T, out, s) do { \
    T x0 = (x0_), x1 = (x1_), x2 = (x2_), x3 = (x3_), x4 = (x4_), x5 = (x5_), x6 = (x6_); \
    T e = x0 + x2 + x4 + x6, o = x1 + x3 + x5; \
    T e3 = (1.0f / 90) * x0 + (2.0f / 45) * x2 + (8.0f / 45) * x4 + (32.0f / 45) * x6; \
    T o3 = (1.0f / 45) * x1 + (4.0f / 45) * x3 + (16.0f / 45) * x5; \
    T e5 = (32.0f / 45) * x0 + (8.0f / 45) * x2 + (2.0f / 45) * x4 + (1.0f / 90) * x6; \
    T o5 = (16.0f / 45) * x1 + (4.0f / 45) * x3 + (1.0f / 45) * x5; \
    (out)[0] = -x0; (out)[(s)] = (-2.0f / 9) * (e + o); (out)[2 * (s)] = (-2.0f / 9) * (e - o); \
    (out)[3 * (s)] = e3 + o3; (out)[4 * (s)] = e3 - o3; (out)[5 * (s)] = e5 + o5; (out)[6 * (s)] = e5 - o5; \
    (out)[7 * (s)] = x6; } while (0)

/// A^T x for x0...x7 (2 values).
#define at8(x0_, x1_, x2_, x3_, x4_, x5_, x6_, x7_, T, out, s) do { \
    T x0 = (x0_), x1 = (x1_), x2 = (x2_), x3 = (x3_), x4 = (x4_), x5 = (x5_), x6 = (x6_), x7 = (x7_); \
    (out)[0] = x0 + x1 + x2 + x3 + x4 + x5 + x6; \
    (out)[(s)] = (x1 - x2) + 2.0f * (x3 - x4) + 0.5f * (x5 - x6) + x7; } while (0)

static long round_up(long x, long m) { return (x + m - 1) / m * m; }
static float *align64(float *p) { return (float *)(((size_t)p + 63) & ~(size_t)63); }

/// Tiles of a group rounded up to whole GEMM panels of every micro-kernel (8, 16 and 32 wide).
static long panel_tiles(long tiles) { return round_up(tiles > 0 ? tiles : 1, 32); }
/// Floats of one packed U[ξ] of a block and run of channels: rows rounded up for 6-row panels (36).
static long u_stride(void) { return round_up(36 * DEPTH_RUN, 16); }
/// Row stride of the products: tiles rounded up, plus 16 (rows not 4 KiB apart).
static long m_stride(long tiles) { return panel_tiles(tiles) + 16; }

size_t fcn_winograd7_lane_floats(long out_channels, long in_channels) {
    return (size_t)(round_up(out_channels, 16) * in_channels * 49);
}

void fcn_winograd7_interleave(const float *weights, long out_channels, long in_channels, float *lanes) {
    const long blocks = round_up(out_channels, 16) / 16;
    for (long cb = 0; cb < blocks; ++cb)
        for (long ci = 0; ci < in_channels; ++ci) {
            float *dst = lanes + (cb * in_channels + ci) * 49 * 16;
            for (long l = 0; l < 16; ++l) {
                const long co = cb * 16 + l;
                const float *src = weights + (co * in_channels + ci) * 49;
                for (long k = 0; k < 49; ++k) dst[k * 16 + l] = co < out_channels ? src[k] : 0.0f;
            }
        }
}

size_t fcn_winograd7_inputs_floats(long in_channels, long tiles) {
    return (size_t)(64 * panel_tiles(tiles) * in_channels + 16);
}

size_t fcn_winograd7_block_floats(long tiles) {
    return (size_t)(64 * u_stride() + 64 * FCN_WINOGRAD7_BLOCK * m_stride(tiles) + 16);
}

#if defined(__x86_64__) || defined(__i386__)
#define W7_SUFFIX _avx512
#define W7_TARGET __attribute__((target("avx512f")))
#include "winograd7_body.h"
#undef W7_SUFFIX
#undef W7_TARGET

#define W7_SUFFIX _avx2
#define W7_TARGET __attribute__((target("avx2,fma")))
#include "winograd7_body.h"
#undef W7_SUFFIX
#undef W7_TARGET
#endif

#define W7_SUFFIX _portable
#define W7_TARGET
#include "winograd7_body.h"
#undef W7_SUFFIX
#undef W7_TARGET

void fcn_winograd7_inputs(const struct fcn_winograd7_geometry *g, long in_channels, long c0, long c1,
                          long first_tile, long tiles, float *v) {
    if (tiles <= 0 || c1 <= c0) return;
    if (c0 < 0 || c1 > in_channels) abort();
    const int isa = fcn_gemm_isa();
    const long nr = fcn_gemm_shape(isa)->nr;
    switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
    case FCN_GEMM_AVX512: inputs7_avx512(g, in_channels, c0, c1, first_tile, tiles, nr, align64(v)); break;
    case FCN_GEMM_AVX2: inputs7_avx2(g, in_channels, c0, c1, first_tile, tiles, nr, align64(v)); break;
#endif
    default: inputs7_portable(g, in_channels, c0, c1, first_tile, tiles, nr, align64(v)); break;
    }
}

void fcn_winograd7_block(const struct fcn_winograd7_geometry *g, const float *lanes, long in_channels,
                         long out_channels, long co0, long first_tile, long tiles, const float *v,
                         const float *bias, int relu, float *output, float *scratch) {
    if (tiles <= 0) return;
    if (co0 < 0 || co0 % FCN_WINOGRAD7_BLOCK != 0 || co0 >= out_channels || in_channels <= 0) abort();
    const int isa = fcn_gemm_isa();
    const struct fcn_kernel_shape *s = fcn_gemm_shape(isa);
    const long rows = out_channels - co0 < FCN_WINOGRAD7_BLOCK ? out_channels - co0 : FCN_WINOGRAD7_BLOCK;
    const long tp = panel_tiles(tiles), ldm = m_stride(tiles), us = u_stride();
    float *u = align64(scratch), *mm = u + 64 * us;
    const float *vv = align64((float *)v);
    for (long c0 = 0; c0 < in_channels; c0 += DEPTH_RUN) {
        const long depth = in_channels - c0 < DEPTH_RUN ? in_channels - c0 : DEPTH_RUN;
        switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
        case FCN_GEMM_AVX512: weights7_avx512(lanes, in_channels, co0, rows, c0, depth, s->mr, u, us); break;
        case FCN_GEMM_AVX2: weights7_avx2(lanes, in_channels, co0, rows, c0, depth, s->mr, u, us); break;
#endif
        default: weights7_portable(lanes, in_channels, co0, rows, c0, depth, s->mr, u, us); break;
        }
        for (int xi = 0; xi < 64; ++xi)
            fcn_sgemm_prepacked(rows, depth, tp / s->nr, u + xi * us, vv + xi * tp * in_channels + c0 * s->nr,
                                in_channels * s->nr, c0 > 0, mm + xi * FCN_WINOGRAD7_BLOCK * ldm, ldm);
    }
    switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
    case FCN_GEMM_AVX512: outputs7_avx512(g, out_channels, co0, rows, first_tile, tiles, mm, ldm, bias, relu, output); break;
    case FCN_GEMM_AVX2: outputs7_avx2(g, out_channels, co0, rows, first_tile, tiles, mm, ldm, bias, relu, output); break;
#endif
    default: outputs7_portable(g, out_channels, co0, rows, first_tile, tiles, mm, ldm, bias, relu, output); break;
    }
}
