// Winograd minimal filtering F(m x m, 3 x 3) (Lavin & Gray 2015), one chunk of tiles:
// an (m+2) x (m+2) input tile d and a 3x3 kernel g give an m x m output tile
// Y = A^T [(G g G^T) ⊙ (B^T d B)] A. Summed over input channels, the element-wise products
// become alpha² GEMMs: M[ξ] (C_out x T) = U[ξ] (C_out x C_in) · V[ξ] (C_in x T).
//   1. for each input channel: gather the chunk's input rows into phase rows (a zero-padded
//      copy of each row, deinterleaved by column mod m with shuffles), then V = B^T d B on 16
//      tiles at a time, stored straight into the GEMM's packed right-hand panels
//      (V[ξ][panel][c][nr]), so the products need no packing of their own; a chunk's V over
//      16 MiB (stream_v_bytes) goes there past the caches, with non-temporal stores;
//   2. alpha² products on fcngc's GEMM micro-kernel, U[ξ] packed once (WinogradWeights);
//   3. for each output channel: Y = A^T M A on 16 tiles at a time, bias and ReLU added, then
//      the phase rows interleaved back into the output rows (edge tiles written element-wise);
//      or, with a fused 2x2 stride-2 max pool, each tile's pooled outputs (maxima of row pairs,
//      then column pairs, of its phase rows) interleaved into the pooled output rows instead.
// A dilated conv is one undilated conv per sub-grid of every d-th row and column (its taps are
// adjacent there): the tiles of all sub-grids go through the same three steps; only gathering
// (every d-th column, element-wise) and scattering know where a sub-grid's pixels lie. Each
// sub-grid has the tiles its own size needs (sub-grids differ by a row or column when d does
// not divide the output: at 65x65 with dilation 4, 17+16+16+16 outputs make 5+4+4+4 = 17 tile
// columns of F(4,3), as many as the undilated conv, not 4 x 5 = 20), numbered in one sequence
// over all sub-grids (struct tile_grid; a tile row of every sub-grid column in turn, as those
// read the same input rows), so a chunk may span several sub-grids.
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
/// F(6,3): B^T d for d0...d7 (points 0, ±1, ±1/2, ±2, ∞; the matrices of ncnn's winograd63,
/// checked against the direct correlation in NaiveWinograd).
#define bt8(d0_, d1_, d2_, d3_, d4_, d5_, d6_, d7_, out, s) do { \
    v16 d0 = (d0_), d1 = (d1_), d2 = (d2_), d3 = (d3_), d4 = (d4_), d5 = (d5_), d6 = (d6_), d7 = (d7_); \
    v16 e1 = d2 + d6 - 4.25f * d4, o1 = d1 + d5 - 4.25f * d3; \
    v16 e2 = 0.25f * d2 - 1.25f * d4 + d6, o2 = 0.5f * d1 - 2.5f * d3 + 2 * d5; \
    v16 e3 = 4 * d2 - 5 * d4 + d6, o3 = 2 * d1 - 2.5f * d3 + 0.5f * d5; \
    (out)[0] = d0 - d6 + 5.25f * (d4 - d2); (out)[(s)] = e1 + o1; (out)[2 * (s)] = e1 - o1; \
    (out)[3 * (s)] = e2 + o2; (out)[4 * (s)] = e2 - o2; (out)[5 * (s)] = e3 + o3; (out)[6 * (s)] = e3 - o3; \
    (out)[7 * (s)] = d7 - d1 + 5.25f * (d3 - d5); } while (0)
/// F(6,3): A^T m for m0...m7 (out[i * s], 6 values).
#define at8(m0_, m1_, m2_, m3_, m4_, m5_, m6_, m7_, out, s) do { \
    v16 m0 = (m0_), m1 = (m1_), m2 = (m2_), m3 = (m3_), m4 = (m4_), m5 = (m5_), m6 = (m6_), m7 = (m7_); \
    v16 s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4, s56 = m5 + m6, d56 = m5 - m6; \
    (out)[0] = m0 + s12 + s34 + 32 * s56; (out)[(s)] = d12 + 2 * d34 + 16 * d56; \
    (out)[2 * (s)] = s12 + 4 * s34 + 8 * s56; (out)[3 * (s)] = d12 + 8 * d34 + 4 * d56; \
    (out)[4 * (s)] = s12 + 16 * s34 + 2 * s56; (out)[5 * (s)] = d12 + 32 * d34 + d56 + m7; } while (0)
/// F(2,3): B^T d for d0...d3.
#define bt4(d0_, d1_, d2_, d3_, out, s) do { \
    v16 d0 = (d0_), d1 = (d1_), d2 = (d2_), d3 = (d3_); \
    (out)[0] = d0 - d2; (out)[(s)] = d1 + d2; (out)[2 * (s)] = d2 - d1; (out)[3 * (s)] = d1 - d3; } while (0)
/// F(2,3): A^T m for m0...m3 (2 values).
#define at4(m0_, m1_, m2_, m3_, out, s) do { \
    v16 m0 = (m0_), m1 = (m1_), m2 = (m2_), m3 = (m3_); \
    (out)[0] = m0 + m1 + m2; (out)[(s)] = m1 - m2 - m3; } while (0)

/// The tile grid of a conv: sub-grid row ry has ceil((OH - ry) / d_h) output rows, one more in
/// the first OH mod d_h sub-grid rows (the tall ones) than in the others, so its tile rows are
/// one of two counts; sub-grid columns likewise. Sub-grid (ry, rx) has rows(ry) x cols(rx)
/// tiles, an image (Σ rows) x (Σ cols) = `per_image`. Only the chunk's first tile is found by
/// division; the segments after it step from tile row to tile row.
struct tile_grid {
    long dh, dw;
    long tall, rows_tall, rows_short;     // sub-grid rows ry < tall have rows_tall tile rows, the others rows_short
    long wide, cols_wide, cols_narrow;    // sub-grid columns rx < wide have cols_wide tile columns, the others cols_narrow
    long rows, cols, per_image;           // tile rows over all sub-grid rows, tile columns likewise, rows x cols
};

static inline __attribute__((always_inline)) struct tile_grid grid_of(const struct fcn_winograd_geometry *g) {
    struct tile_grid t;
    const long m = g->m, oh = g->out_height > 0 ? g->out_height : 0, ow = g->out_width > 0 ? g->out_width : 0;
    t.dh = g->dil_h; t.dw = g->dil_w;
    t.tall = oh % t.dh; t.rows_tall = (oh / t.dh + m) / m; t.rows_short = (oh / t.dh + m - 1) / m;
    t.wide = ow % t.dw; t.cols_wide = (ow / t.dw + m) / m; t.cols_narrow = (ow / t.dw + m - 1) / m;
    t.rows = t.tall * t.rows_tall + (t.dh - t.tall) * t.rows_short;
    t.cols = t.wide * t.cols_wide + (t.dw - t.wide) * t.cols_narrow;
    t.per_image = t.rows * t.cols;
    return t;
}

static inline long grid_rows(const struct tile_grid *t, long ry) { return ry < t->tall ? t->rows_tall : t->rows_short; }
static inline long grid_cols(const struct tile_grid *t, long rx) { return rx < t->wide ? t->cols_wide : t->cols_narrow; }

/// A tile's place: image n, sub-grid (ry, rx), tile row ty and tile column tx of that sub-grid.
struct tile_pos { long n, ry, rx, ty, tx; };

/// The place of tile i (i < images · per_image). Tiles go by image, sub-grid row ry, tile row
/// ty, sub-grid column rx, tile column tx: one tile row of every sub-grid column in turn, so the
/// tiles that read the same input rows (every sub-grid column of a dilated conv reads every
/// row's columns, d apart) are numbered together and gathered while those rows are in cache.
/// The sub-grid rows before ry hold (their tile rows) x cols tiles; a tile row of sub-grid row
/// ry holds cols, the sub-grid columns before rx (their tile columns) of them.
static struct tile_pos tile_at(const struct tile_grid *t, long i) {
    struct tile_pos p;
    p.n = i / t->per_image;
    long r = i % t->per_image;
    const long tall_tiles = t->tall * t->rows_tall * t->cols;
    if (r < tall_tiles) {
        p.ry = r / (t->rows_tall * t->cols); r -= p.ry * t->rows_tall * t->cols;
    } else {
        r -= tall_tiles;
        const long q = r / (t->rows_short * t->cols);
        p.ry = t->tall + q; r -= q * t->rows_short * t->cols;
    }
    p.ty = r / t->cols; r %= t->cols;
    const long wide_tiles = t->wide * t->cols_wide;
    if (r < wide_tiles) {
        p.rx = r / t->cols_wide; p.tx = r % t->cols_wide;
    } else {
        r -= wide_tiles;
        p.rx = t->wide + r / t->cols_narrow; p.tx = r % t->cols_narrow;
    }
    return p;
}

/// The first tile of the tile row after p's: the same tile row of the next sub-grid column with
/// tiles (sub-grids shrink with ry and rx: past an empty one all are), else the next tile row of
/// the first sub-grid column, else the first tile row of the next sub-grid row with tiles, else
/// of the next image.
static inline void tile_next_row(const struct tile_grid *t, struct tile_pos *p) {
    p->tx = 0;
    if (++p->rx < t->dw && grid_cols(t, p->rx) > 0) return;
    p->rx = 0;
    if (++p->ty < grid_rows(t, p->ry)) return;
    p->ty = 0;
    if (++p->ry < t->dh && grid_rows(t, p->ry) > 0) return;
    p->ry = 0;
    ++p->n;
}

/// A run of tiles of one tile row of one sub-grid: tiles [i, i + len) of the chunk at `off`.
struct segment { long n, ry, rx, ty, tx, len, off; };

/// The segments of tiles [first, end): `for (struct segment sg; segment_next(&it, &sg);)`.
struct segments { struct tile_grid grid; struct tile_pos at; long i, first, end; };

static inline __attribute__((always_inline)) struct segments segments_of(const struct fcn_winograd_geometry *g, long first, long end) {
    struct segments it;
    it.grid = grid_of(g);
    it.i = first; it.first = first; it.end = end;
    if (first < end) it.at = tile_at(&it.grid, first);
    return it;
}

static inline __attribute__((always_inline)) int segment_next(struct segments *it, struct segment *s) {
    if (it->i >= it->end) return 0;
    const struct tile_pos p = it->at;
    const long rest = grid_cols(&it->grid, p.rx) - p.tx;
    s->n = p.n; s->ry = p.ry; s->rx = p.rx; s->ty = p.ty; s->tx = p.tx; s->off = it->i - it->first;
    s->len = rest < it->end - it->i ? rest : it->end - it->i;
    it->i += s->len;
    if (it->i < it->end) tile_next_row(&it->grid, &it->at);
    return 1;
}

/// Transformed inputs V of a chunk larger than this many bytes are stored past the caches
/// (WINO_STORE_V): about half this machine's L3. FCN-ResNet50's classifiers (V of 64 and 32 MiB)
/// gain 3-7%; three undilated 512-channel F(4,3) convs whose chunks' V is 11 MiB lost 3.5%
/// streamed, as their GEMMs then read V from memory instead of the L3.
static long stream_v_bytes = 16L << 20;

long fcn_winograd_set_stream_bytes(long bytes) {
    return __atomic_exchange_n(&stream_v_bytes, bytes, __ATOMIC_RELAXED);
}

/// Floats of each of the gather's alpha row buffers: 16 tiles' 16m + 2 columns, rounded up to 16.
/// The input stage lends them the output rows' space (struct layout: o, then rb), which it does not use.
#define WINO_ROW_BUFFER(m) (((16 * (m) + 2) + 15) / 16 * 16)

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
    l.rb = l.o + (long)m * m * l.ps;   // o and rb: also the gather's alpha row buffers (WINO_ROW_BUFFER)
    l.own = l.rb + round_up(l.tp * m + 64, 16) - l.p;
    if (l.rb - l.o + round_up(l.tp * m + 64, 16) < alpha * WINO_ROW_BUFFER(m)) abort();   // tp >= 32: never
    l.total = l.p + (parts > 1 ? parts : 1) * l.own;
    return l;
}

long fcn_winograd_image_tiles(const struct fcn_winograd_geometry *g) {
    if ((g->m != 2 && g->m != 4 && g->m != 6) || g->dil_h < 1 || g->dil_w < 1) abort();
    return grid_of(g).per_image;
}

size_t fcn_winograd_scratch_floats(int m, long in_channels, long out_channels, long tiles) {
    return fcn_winograd_split_scratch_floats(m, in_channels, out_channels, tiles, 1);
}

size_t fcn_winograd_split_scratch_floats(int m, long in_channels, long out_channels, long tiles, int parts) {
    return (size_t)layout_of(m, in_channels, out_channels, tiles, parts).total + 16;
}

long fcn_winograd_stage_units(int m, long in_channels, long out_channels, int stage) {
    switch (stage) {
    case 0: return in_channels;
    case 1: return (long)(m + 2) * (m + 2);
    case 2: return out_channels;
    default: abort();
    }
}

void fcn_winograd_chunk_stage(const struct fcn_winograd_geometry *g, long in_channels, long out_channels,
                              const float *packed_u, size_t packed_floats, long first_tile, long tiles,
                              const float *bias, int relu, float *output, float *scratch,
                              int stage, int slot, int slots, long lo, long hi) {
    if (tiles <= 0) return;
    if ((g->m != 2 && g->m != 4 && g->m != 6) || in_channels <= 0 || out_channels <= 0 || g->dil_h < 1 || g->dil_w < 1) abort();
    if (g->out_height < 1 || g->out_width < 1 || first_tile < 0) abort();   // no tiles to number
    if (slots < 1 || slot < 0 || slot >= slots || stage < 0 || stage > 2) abort();
    if (lo < 0 || hi > fcn_winograd_stage_units(g->m, in_channels, out_channels, stage)) abort();
    if (g->pool_height != 0 || g->pool_width != 0) {   // a 2x2 stride-2 max pool: undilated, F(2,3) or F(4,3), ceil or floor size
        if (g->dil_h != 1 || g->dil_w != 1 || g->m == 6) abort();
        if (g->pool_height != g->out_height / 2 && g->pool_height != (g->out_height + 1) / 2) abort();
        if (g->pool_width != g->out_width / 2 && g->pool_width != (g->out_width + 1) / 2) abort();
    }
    if (lo >= hi) return;
    const int m = g->m, isa = fcn_gemm_isa();
    const struct fcn_kernel_shape *s = fcn_gemm_shape(isa);
    const struct layout l = layout_of(m, in_channels, out_channels, tiles, slots);
    float *base = (float *)(((size_t)scratch + 63) & ~(size_t)63);
    float *v = base + l.v, *mm = base + l.mm;
    float *p = base + l.p + slot * l.own, *o = base + l.o + slot * l.own;   // o: output rows, then the row buffer
    switch (stage) {
    case 0: {   // input transform of input channels [lo, hi); V past the caches when larger than stream_v_bytes
        const int stream = (double)l.tp * (double)in_channels * (double)(m + 2) * (m + 2) * sizeof(float)
            > (double)__atomic_load_n(&stream_v_bytes, __ATOMIC_RELAXED);
        switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
        case FCN_GEMM_AVX512: inputs_avx512(g, in_channels, lo, hi, first_tile, tiles, l.tp, v, p, o, stream, m); break;
        case FCN_GEMM_AVX2: inputs_avx2(g, in_channels, lo, hi, first_tile, tiles, l.tp, v, p, o, stream, m); break;
#endif
        default: inputs_portable(g, in_channels, lo, hi, first_tile, tiles, l.tp, v, p, o, stream, m); break;
        }
#if defined(__x86_64__) || defined(__i386__)
        if (stream) __builtin_ia32_sfence();   // streamed stores visible before the GEMMs (other workers') read V
#endif
        return;
    }
    case 1:   // the products of positions [lo, hi) (all of U[ξ] for each: U is read once per chunk)
        for (long xi = lo; xi < hi; ++xi)
            fcn_sgemm_prepacked(out_channels, in_channels, l.tp / s->nr, packed_u + xi * packed_floats,
                                v + xi * l.tp * in_channels, in_channels * s->nr, 0, mm + xi * out_channels * l.ldm, l.ldm);
        return;
    default:  // output transform of output channels [lo, hi)
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
        fcn_winograd_chunk_stage(g, in_channels, out_channels, packed_u, packed_floats, first_tile, tiles,
                                 bias, relu, output, scratch, stage, 0, 1,
                                 0, fcn_winograd_stage_units(g->m, in_channels, out_channels, stage));
}
