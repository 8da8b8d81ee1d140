// Winograd minimal filtering F(m x m, 3 x 3) (Lavin & Gray 2015), one chunk of tiles:
// an (m+2) x (m+2) input tile d and a 3x3 kernel g give an m x m output tile
// Y = A^T [(G g G^T) ⊙ (B^T d B)] A. Summed over input channels, the element-wise products
// become alpha² GEMMs: M[ξ] (C_out x T) = U[ξ] (C_out x C_in) · V[ξ] (C_in x T).
//   1. for each input channel: gather the chunk's input rows into phase rows (a zero-padded
//      copy of each row, deinterleaved by column mod m with shuffles), then V = B^T d B on 16
//      tiles at a time, stored straight into the GEMM's packed right-hand panels
//      (V[ξ][panel][c][nr]), so the products need no packing of their own;
//   2. alpha² products on fcngc's GEMM micro-kernel, U[ξ] packed once (WinogradWeights);
//   3. for each output channel: Y = A^T M A on 16 tiles at a time, bias and ReLU added, then
//      the phase rows interleaved back into the output rows (edge tiles written element-wise);
//      or, with a fused 2x2 stride-2 max pool, each tile's pooled outputs (maxima of row pairs,
//      then column pairs, of its phase rows) interleaved into the pooled output rows instead.
// A dilated conv is one undilated conv per sub-grid of every d-th row and column (its taps are
// adjacent there): the tiles of all sub-grids go through the same three steps; only gathering
// (every d-th column, element-wise) and scattering know where a sub-grid's pixels lie.
// The transforms (winograd_body.h) are compiled for AVX-512, AVX2 and the baseline ISA and
// chosen with the GEMM's micro-kernel, since the panel width depends on it.

#include "fcn_winograd.h"
#include "fcn_gemm.h"
#include "gemm_internal.h"
#include "simd_macros.h"

#include <stdlib.h>
#include <string.h>

/// F(4,3): B^T d for d0...d5 (out[i * s]).
#define bt6(d0_, d1_, d2_, d3_, d4_, d5_, out, s) do { \
    v16 d0 = (d0_), d1 = (d1_), d2 = (d2_), d3 = (d3_), d4 = (d4_), d5 = (d5_); \
    v16 a_ = d4 - 4 * d2, b_ = d3 - 4 * d1, c_ = d4 - d2, e_ = 2 * (d3 - d1); \
    (out)[0] = 4 * d0 - 5 * d2 + d4; (out)[(s)] = a_ + b_; (out)[2 * (s)] = a_ - b_; \
    (out)[3 * (s)] = c_ + e_; (out)[4 * (s)] = c_ - e_; (out)[5 * (s)] = 4 * d1 - 5 * d3 + d5; } while (0)
/// F(4,3): A^T m for m0...m5 (out[i * s], 4 values).
#define at6(m0_, m1_, m2_, m3_, m4_, m5_, out, s) do { \
    v16 m0 = (m0_), m1 = (m1_), m2 = (m2_), m3 = (m3_), m4 = (m4_), m5 = (m5_); \
    v16 s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4; \
    (out)[0] = m0 + s12 + s34; (out)[(s)] = d12 + 2 * d34; (out)[2 * (s)] = s12 + 4 * s34; \
    (out)[3 * (s)] = d12 + 8 * d34 + m5; } while (0)
/// F(2,3): B^T d for d0...d3.
#define bt4(d0_, d1_, d2_, d3_, out, s) do { \
    v16 d0 = (d0_), d1 = (d1_), d2 = (d2_), d3 = (d3_); \
    (out)[0] = d0 - d2; (out)[(s)] = d1 + d2; (out)[2 * (s)] = d2 - d1; (out)[3 * (s)] = d1 - d3; } while (0)
/// F(2,3): A^T m for m0...m3 (2 values).
#define at4(m0_, m1_, m2_, m3_, out, s) do { \
    v16 m0 = (m0_), m1 = (m1_), m2 = (m2_), m3 = (m3_); \
    (out)[0] = m0 + m1 + m2; (out)[(s)] = m1 - m2 - m3; } while (0)

/// A run of tiles of one tile row of one sub-grid: tiles [i, i + len) of the chunk at `off`.
struct segment { long n, ry, rx, ty, tx, len, off; };

static inline __attribute__((always_inline)) struct segment segment_at(const struct fcn_winograd_geometry *g, long i, long first, long end) {
    const long grid = g->tiles_y * g->tiles_x, per_image = g->dil_h * g->dil_w * grid;
    const long r = i % per_image, sub = r / grid, rr = r % grid;
    struct segment s = {i / per_image, sub / g->dil_w, sub % g->dil_w, rr / g->tiles_x, rr % g->tiles_x, 0, i - first};
    s.len = g->tiles_x - s.tx < end - i ? g->tiles_x - s.tx : end - i;
    return s;
}

#if defined(__x86_64__) || defined(__i386__)
#define WINO_SUFFIX _avx512
#define WINO_TARGET __attribute__((target("avx512f")))
#define WINO_NR 32
#include "winograd_body.h"
#undef WINO_SUFFIX
#undef WINO_TARGET
#undef WINO_NR

#define WINO_SUFFIX _avx2
#define WINO_TARGET __attribute__((target("avx2,fma")))
#define WINO_NR 16
#include "winograd_body.h"
#undef WINO_SUFFIX
#undef WINO_TARGET
#undef WINO_NR
#endif

#define WINO_SUFFIX _portable
#define WINO_TARGET
#define WINO_NR 8
#include "winograd_body.h"
#undef WINO_SUFFIX
#undef WINO_TARGET
#undef WINO_NR

static long round_up(long x, long m) { return (x + m - 1) / m * m; }

/// The chunk's scratch, carved from one 64-byte aligned block (every part a multiple of 16 floats):
/// the transformed inputs V and the products M, shared by the parts a chunk is split into, then
/// each part's own phase rows, output rows and row buffer.
struct layout {
    long tp;        // tiles rounded up to 32: GEMM panels and 16-tile transforms never run past it
    long ps;        // row stride of the phase rows (tp + 16: rows not 4 KiB apart)
    long ldm;       // row stride of the products M (tp + 16)
    long v, mm, own, p, o, rb, total;   // own: floats of one part's rows; p, o, rb: part 0's
};

static struct layout layout_of(int m, long cin, long cout, long tiles, int parts) {
    const long alpha = m + 2, positions = alpha * alpha;
    struct layout l;
    l.tp = round_up(tiles > 0 ? tiles : 1, 32);
    l.ps = l.tp + 16;
    l.ldm = l.tp + 16;
    l.v = 0;
    l.mm = l.v + positions * l.tp * cin;
    l.p = l.mm + positions * cout * l.ldm;
    l.o = l.p + positions * l.ps;
    l.rb = l.o + (long)m * m * l.ps;
    l.own = l.rb + round_up(l.tp * m + 64, 16) - l.p;
    l.total = l.p + (parts > 1 ? parts : 1) * l.own;
    return l;
}

size_t fcn_winograd_scratch_floats(int m, long in_channels, long out_channels, long tiles) {
    return fcn_winograd_split_scratch_floats(m, in_channels, out_channels, tiles, 1);
}

size_t fcn_winograd_split_scratch_floats(int m, long in_channels, long out_channels, long tiles, int parts) {
    return (size_t)layout_of(m, in_channels, out_channels, tiles, parts).total + 16;
}

/// [n * part / parts, n * (part + 1) / parts): part `part` of an even split of n.
static long share(long n, int part, int parts, long *hi) {
    *hi = n * (part + 1) / parts;
    return n * part / parts;
}

void fcn_winograd_chunk_part(const struct fcn_winograd_geometry *g, long in_channels, long out_channels,
                             const float *packed_u, size_t packed_floats, long first_tile, long tiles,
                             const float *bias, int relu, float *output, float *scratch,
                             int stage, int part, int parts) {
    if (tiles <= 0) return;
    if ((g->m != 2 && g->m != 4) || in_channels <= 0 || out_channels <= 0 || g->dil_h < 1 || g->dil_w < 1) abort();
    if (parts < 1 || part < 0 || part >= parts || stage < 0 || stage > 2) abort();
    if (g->pool_height != 0 || g->pool_width != 0) {   // a 2x2 stride-2 max pool: undilated, ceil or floor size
        if (g->dil_h != 1 || g->dil_w != 1) abort();
        if (g->pool_height != g->out_height / 2 && g->pool_height != (g->out_height + 1) / 2) abort();
        if (g->pool_width != g->out_width / 2 && g->pool_width != (g->out_width + 1) / 2) abort();
    }
    const int m = g->m, alpha = m + 2, isa = fcn_gemm_isa();
    const struct fcn_kernel_shape *s = fcn_gemm_shape(isa);
    const struct layout l = layout_of(m, in_channels, out_channels, tiles, parts);
    float *base = (float *)(((size_t)scratch + 63) & ~(size_t)63);
    float *v = base + l.v, *mm = base + l.mm;
    float *p = base + l.p + part * l.own, *o = base + l.o + part * l.own, *rb = base + l.rb + part * l.own;
    long hi, lo;
    switch (stage) {
    case 0:   // input transform of this part's input channels
        lo = share(in_channels, part, parts, &hi);
        if (lo >= hi) return;
        switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
        case FCN_GEMM_AVX512: inputs_avx512(g, in_channels, lo, hi, first_tile, tiles, l.tp, v, p, rb, m); break;
        case FCN_GEMM_AVX2: inputs_avx2(g, in_channels, lo, hi, first_tile, tiles, l.tp, v, p, rb, m); break;
#endif
        default: inputs_portable(g, in_channels, lo, hi, first_tile, tiles, l.tp, v, p, rb, m); break;
        }
        return;
    case 1:   // this part's positions' products (all of U[ξ] for each: U is read once per chunk)
        lo = share(alpha * alpha, part, parts, &hi);
        for (long xi = lo; xi < hi; ++xi)
            fcn_sgemm_prepacked(out_channels, in_channels, l.tp / s->nr, packed_u + xi * packed_floats,
                                v + xi * l.tp * in_channels, in_channels * s->nr, 0, mm + xi * out_channels * l.ldm, l.ldm);
        return;
    default:  // output transform of this part's output channels
        lo = share(out_channels, part, parts, &hi);
        if (lo >= hi) return;
        switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
        case FCN_GEMM_AVX512: outputs_avx512(g, out_channels, lo, hi, first_tile, tiles, mm, l.ldm, bias, relu, o, l.ps, output, m); break;
        case FCN_GEMM_AVX2: outputs_avx2(g, out_channels, lo, hi, first_tile, tiles, mm, l.ldm, bias, relu, o, l.ps, output, m); break;
#endif
        default: outputs_portable(g, out_channels, lo, hi, first_tile, tiles, mm, l.ldm, bias, relu, o, l.ps, output, m); break;
        }
        return;
    }
}

void fcn_winograd_chunk(const struct fcn_winograd_geometry *g, long in_channels, long out_channels,
                        const float *packed_u, size_t packed_floats, long first_tile, long tiles,
                        const float *bias, int relu, float *output, float *scratch) {
    for (int stage = 0; stage < 3; ++stage)
        fcn_winograd_chunk_part(g, in_channels, out_channels, packed_u, packed_floats, first_tile, tiles,
                                bias, relu, output, scratch, stage, 0, 1);
}
