// The per-ISA half of winograd.c: gathering input rows into phase rows, the input and output
// transforms of F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3) on 16 tiles at a time, and scattering output phase
// rows into the output planes. Included once per instruction set by winograd.c with
// WINO_SUFFIX (function name suffix), WINO_TARGET (a target attribute, or nothing) and WINO_NR
// (the GEMM micro-kernel's panel width, which fixes the layout of the transformed inputs).
// The pooled scatter (a 2x2 max pool fused into the output stage) is in winograd_pool_body.h.
//
// Phase rows: P[k][j][t] = input row k, column t*m + j of tile t (k, j < alpha), one row of
// floats per (k, j) indexed by the tile's place in the chunk, so every transform loads and
// stores 16 consecutive tiles. O[a][b][t] likewise holds output row a, column b of tile t.

#define WINO_CAT(a, b) a##b
#define WINO_XCAT(a, b) WINO_CAT(a, b)
#define WFN(name) WINO_XCAT(name, WINO_SUFFIX)

/// Transformed inputs of 16 tiles at position xi to their place in the GEMM's right-hand panels
/// (whole, aligned cache lines): past the caches (`stream`) when V is too large to stay in them
/// until its GEMMs read it, so its lines are not first read from memory only to be overwritten.
#if WINO_NR >= 16
#define WINO_STORE_V(v, tp_cin, xi, t, c, cin, x) do { \
    float *v_ = (v) + (xi) * (tp_cin) + ((t) / WINO_NR) * (cin) * WINO_NR + (c) * WINO_NR + (t) % WINO_NR; \
    if (stream) __builtin_nontemporal_store((x), (v16 *)v_); else st16(v_, (x)); } while (0)
#else
#define WINO_STORE_V(v, tp_cin, xi, t, c, cin, x) do { \
    st8lo((v) + (xi) * (tp_cin) + ((t) / WINO_NR) * (cin) * WINO_NR + (c) * WINO_NR, (x)); \
    st8hi((v) + (xi) * (tp_cin) + ((t) / WINO_NR + 1) * (cin) * WINO_NR + (c) * WINO_NR, (x)); } while (0)
#endif

/// Phase rows d[j·ps + i] = s[i·m + j] (j < alpha) of 16 tiles from the 16m + 2 columns at s.
WINO_TARGET static inline __attribute__((always_inline))
void WFN(phases)(const float *s, float *d, long ps, const int m) {
    if (m == 6) {   // 16 tiles x 6 columns + 2: phase j holds columns 6t + j
        for (int j = 0; j < 8; ++j) {
            v16 q;
            for (int i = 0; i < 16; ++i) q[i] = s[i * 6 + j];
            st16(d + j * ps, q);
        }
    } else if (m == 4) {
        v16 a0 = ld16(s), a1 = ld16(s + 16), a2 = ld16(s + 32), a3 = ld16(s + 48), a4 = splat16(0.0f);
        a4[0] = s[64]; a4[1] = s[65];
        v16 e01 = __builtin_shufflevector(a0, a1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        v16 e23 = __builtin_shufflevector(a2, a3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        v16 f01 = __builtin_shufflevector(a0, a1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        v16 f23 = __builtin_shufflevector(a2, a3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        v16 q0 = __builtin_shufflevector(e01, e23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        v16 q1 = __builtin_shufflevector(e01, e23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        v16 q2 = __builtin_shufflevector(f01, f23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        v16 q3 = __builtin_shufflevector(f01, f23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        v16 q4 = __builtin_shufflevector(q0, a4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        v16 q5 = __builtin_shufflevector(q1, a4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
        st16(d, q0); st16(d + ps, q1); st16(d + 2 * ps, q2);
        st16(d + 3 * ps, q3); st16(d + 4 * ps, q4); st16(d + 5 * ps, q5);
    } else {
        v16 a0 = ld16(s), a1 = ld16(s + 16), a2 = splat16(0.0f);
        a2[0] = s[32]; a2[1] = s[33];
        v16 q0 = __builtin_shufflevector(a0, a1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        v16 q1 = __builtin_shufflevector(a0, a1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        v16 q2 = __builtin_shufflevector(q0, a2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        v16 q3 = __builtin_shufflevector(q1, a2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
        st16(d, q0); st16(d + ps, q1); st16(d + 2 * ps, q2); st16(d + 3 * ps, q3);
    }
}

/// Phase rows of one input channel for every tile of the chunk (zero outside the input).
/// For each group of 16 tiles, first every input row's columns are found (straight in the row,
/// or copied to a row buffer of their own), then all rows are deinterleaved: a row buffer is
/// written element by element and read back as vectors, so reading it right after writing it
/// would stall on store forwarding (a dilated conv copies every row).
/// `rb` holds alpha row buffers of `WINO_ROW_BUFFER(m)` floats.
WINO_TARGET static inline __attribute__((always_inline))
void WFN(gather)(const struct fcn_winograd_geometry *g, long c, long first, long count,
                 float *p, long ps, float *rb, int prefetch_next, const int m) {
    const int alpha = m + 2;
    const long need = 16 * m + 2, rbs = WINO_ROW_BUFFER(m), width = g->width;
    struct segments it = segments_of(g, first, first + count);
    for (struct segment sg; segment_next(&it, &sg);) {
        const long len = sg.len, off = sg.off;
        const long dw = g->dil_w, x0 = sg.rx - g->pad_w + dw * sg.tx * m;   // column of the first tile's first tap
        const float *plane = g->input + sg.n * g->image_stride + c * g->plane_stride;
        const float *rows[8];   // the tile row's alpha input rows, NULL outside the input
        for (int k = 0; k < alpha; ++k) {
            long iy = sg.ry - g->pad_h + g->dil_h * (sg.ty * m + k);
            rows[k] = iy < 0 || iy >= g->height ? NULL : plane + iy * g->row_stride;
        }
        if (prefetch_next) {   // the next channel's rows: short runs the hardware does not foresee
            long lo = x0 < 0 ? 0 : x0, hi = x0 + dw * (len * m + 2);
            if (hi > width) hi = width;
            for (int k = 0; k < alpha; ++k)
                if (rows[k])
                    for (long x = lo; x < hi; x += 16) __builtin_prefetch(rows[k] + g->plane_stride + x);
        }
        for (long t = 0; t < len; t += 16) {
            // 16 tiles read 16m + 2 columns from xs (every dw-th): straight from the row when
            // adjacent and inside it, else from a copy with zeros outside the input. The copy
            // holds only the columns of the segment's tiles (`used`): the lanes of tiles past it
            // read stale columns, and the next segment or the block's zeroing overwrites them
            // before any transform (a dilated sub-grid's tile row is a few tiles).
            const long xs = x0 + dw * t * m;
            const long used = (len - t < 16 ? len - t : 16) * m + 2;
            const float *src[8];
            for (int k = 0; k < alpha; ++k) {
                const float *row = rows[k];
                if (!row) { src[k] = NULL; continue; }
                if (dw == 1 && xs >= 0 && xs + need <= width) { src[k] = row + xs; continue; }
                // Columns xs + dw·x for x in [lo, hi) lie inside the row: a strided copy without
                // bounds checks, zeros around it.
                long lo = xs >= 0 ? 0 : (-xs + dw - 1) / dw;
                long hi = xs < width ? (width - xs + dw - 1) / dw : 0;
                if (lo > used) lo = used;
                if (hi > used) hi = used;
                if (hi < lo) hi = lo;
                float *restrict out = rb + k * rbs;
                const float *restrict in = row;
                for (long x = 0; x < lo; ++x) out[x] = 0.0f;
                if (dw == 1) memcpy(out + lo, in + xs + lo, sizeof(float) * (size_t)(hi - lo));
                else for (long x = lo; x < hi; ++x) out[x] = in[xs + dw * x];
                for (long x = hi; x < used; ++x) out[x] = 0.0f;
                src[k] = out;
            }
            for (int k = 0; k < alpha; ++k) {
                float *d = p + (long)k * alpha * ps + off + t;
                if (src[k]) WFN(phases)(src[k], d, ps, m);
                else for (int j = 0; j < alpha; ++j) st16(d + j * ps, splat16(0.0f));
            }
        }
    }
}

/// Input transform V = B^T d B of input channels [c0, c1) (of cin), into the GEMM's right-hand panels.
WINO_TARGET static void WFN(inputs)(const struct fcn_winograd_geometry *g, long cin, long c0, long c1, long first,
                                    long count, long tp, float *v, float *p, float *rb, int stream, const int m) {
    // A block of tiles at a time (one 32-wide panel, or 16 tiles), every channel: the phase
    // rows stay in L1 and each position's panel is written front to back, one stream per position.
    const int alpha = m + 2;
    const long block = WINO_NR >= 16 ? WINO_NR : 16, ps = block + 16;
    for (long b0 = 0; b0 < tp; b0 += block) {
      const long n = count - b0 < block ? count - b0 : block;
      for (long c = c0; c < c1; ++c) {
        if (n > 0) WFN(gather)(g, c, first + b0, n, p, ps, rb, c + 1 < c1, m);
        if (n < block)   // tiles past the chunk: zeros, not stale data
            for (int row = 0; row < alpha * alpha; ++row)
                memset(p + row * ps + (n > 0 ? n : 0), 0, sizeof(float) * (size_t)(block - (n > 0 ? n : 0)));
        for (long tb = 0; tb < block; tb += 16) {
            const long t = b0 + tb;
            v16 tmp[64];
            if (m == 6) {
                for (int col = 0; col < 8; ++col) {
                    const float *q = p + col * ps + tb;
                    bt8(ld16(q), ld16(q + 8 * ps), ld16(q + 16 * ps), ld16(q + 24 * ps), ld16(q + 32 * ps),
                        ld16(q + 40 * ps), ld16(q + 48 * ps), ld16(q + 56 * ps), tmp + col, 8);
                }
                for (int row = 0; row < 8; ++row) {
                    v16 o[8];
                    bt8(tmp[row * 8], tmp[row * 8 + 1], tmp[row * 8 + 2], tmp[row * 8 + 3], tmp[row * 8 + 4],
                        tmp[row * 8 + 5], tmp[row * 8 + 6], tmp[row * 8 + 7], o, 1);
                    for (int j = 0; j < 8; ++j) WINO_STORE_V(v, tp * cin, row * 8 + j, t, c, cin, o[j]);
                }
            } else if (m == 4) {
                for (int col = 0; col < 6; ++col) {
                    const float *q = p + col * ps + tb;
                    bt6(ld16(q), ld16(q + 6 * ps), ld16(q + 12 * ps), ld16(q + 18 * ps), ld16(q + 24 * ps),
                        ld16(q + 30 * ps), tmp + col, 6);
                }
                for (int row = 0; row < 6; ++row) {
                    v16 o[6];
                    bt6(tmp[row * 6], tmp[row * 6 + 1], tmp[row * 6 + 2], tmp[row * 6 + 3], tmp[row * 6 + 4],
                        tmp[row * 6 + 5], o, 1);
                    for (int j = 0; j < 6; ++j) WINO_STORE_V(v, tp * cin, row * 6 + j, t, c, cin, o[j]);
                }
            } else {
                for (int col = 0; col < 4; ++col) {
                    const float *q = p + col * ps + tb;
                    bt4(ld16(q), ld16(q + 4 * ps), ld16(q + 8 * ps), ld16(q + 12 * ps), tmp + col, 4);
                }
                for (int row = 0; row < 4; ++row) {
                    v16 o[4];
                    bt4(tmp[row * 4], tmp[row * 4 + 1], tmp[row * 4 + 2], tmp[row * 4 + 3], o, 1);
                    for (int j = 0; j < 4; ++j) WINO_STORE_V(v, tp * cin, row * 4 + j, t, c, cin, o[j]);
                }
            }
        }
      }
    }
}

/// Output phase rows of one output channel to its plane, dropping rows and columns past the edge.
WINO_TARGET static inline __attribute__((always_inline))
void WFN(scatter)(const struct fcn_winograd_geometry *g, long co, long cout, long first, long count,
                  const float *o, long ps, float *output, const int m) {
    const long ow = g->out_width, dw = g->dil_w;
    struct segments it = segments_of(g, first, first + count);
    for (struct segment sg; segment_next(&it, &sg);) {
        const long len = sg.len, off = sg.off, tx = sg.tx;
        float *plane = output + (sg.n * cout + co) * g->out_height * ow;
        for (int a = 0; a < m; ++a) {
            long oy = sg.ry + g->dil_h * (sg.ty * m + a);
            if (oy >= g->out_height) break;
            const float *src = o + (long)a * m * ps + off;
            if (dw > 1) {   // a sub-grid's columns are dw apart
                for (long t = 0; t < len; ++t)
                    for (int b = 0; b < m; ++b) {
                        long ox = sg.rx + dw * ((tx + t) * m + b);
                        if (ox < ow) plane[oy * ow + ox] = src[b * ps + t];
                    }
                continue;
            }
            long full = (ow - tx * m) / m;                 // tiles with all m columns inside
            if (full > len) full = len;
            if (full < 0 || m == 6) full = 0;               // F(6,3): element-wise below
            float *dst = plane + oy * ow + tx * m;
            long t = 0;
            for (; t < full; t += 16) {
                // 16 tiles' rows interleaved into 16m output columns; a last group with fewer
                // whole tiles goes through a buffer.
                float buf[64];
                float *d = t + 16 <= full ? dst + t * m : buf;
                const float *q = src + t;
                if (m == 4) {
                    v16 q0 = ld16(q + 0), q1 = ld16(q + ps), q2 = ld16(q + 2 * ps), q3 = ld16(q + 3 * ps);
                    v16 x01 = __builtin_shufflevector(q0, q1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                    v16 y01 = __builtin_shufflevector(q0, q1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                    v16 x23 = __builtin_shufflevector(q2, q3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                    v16 y23 = __builtin_shufflevector(q2, q3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                    st16(d, __builtin_shufflevector(x01, x23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
                    st16(d + 16, __builtin_shufflevector(x01, x23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
                    st16(d + 32, __builtin_shufflevector(y01, y23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
                    st16(d + 48, __builtin_shufflevector(y01, y23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
                } else {
                    v16 q0 = ld16(q + 0), q1 = ld16(q + ps);
                    st16(d, __builtin_shufflevector(q0, q1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
                    st16(d + 16, __builtin_shufflevector(q0, q1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
                }
                if (d == buf) memcpy(dst + t * m, buf, sizeof(float) * (size_t)((full - t) * m));
            }
            t = full;
            for (; t < len; ++t)
                for (int b = 0; b < m && (tx + t) * m + b < ow; ++b) dst[t * m + b] = src[b * ps + t];
        }
    }
}

#include "winograd_pool_body.h"

/// Output transform Y = A^T M A of output channels [co0, co1) (of cout), plus bias, then ReLU, to the
/// output, or its 2x2 stride-2 max pool to the pooled output when g has a pool size.
WINO_TARGET static void WFN(outputs)(const struct fcn_winograd_geometry *g, long cout, long co0, long co1, long first, long count,
                                     const float *mm, long ldm, const float *bias, int relu,
                                     float *o, long ps, float *output, const int m) {
    const int alpha = m + 2;
    const long xs = cout * ldm;   // floats between positions
    const v16 zero = splat16(0.0f);
    for (long co = co0; co < co1; ++co) {
        const v16 b = splat16(bias ? bias[co] : 0.0f);
        for (long t = 0; t < count; t += 16) {
            const float *q = mm + co * ldm + t;
            v16 tmp[48];
            for (int i = 0; i < alpha; ++i) {
                const float *qi = q + (long)i * alpha * xs;
                if (m == 6) at8(ld16(qi), ld16(qi + xs), ld16(qi + 2 * xs), ld16(qi + 3 * xs), ld16(qi + 4 * xs),
                                ld16(qi + 5 * xs), ld16(qi + 6 * xs), ld16(qi + 7 * xs), tmp + i * 6, 1);
                else if (m == 4) at6(ld16(qi), ld16(qi + xs), ld16(qi + 2 * xs), ld16(qi + 3 * xs), ld16(qi + 4 * xs),
                                ld16(qi + 5 * xs), tmp + i * 4, 1);
                else at4(ld16(qi), ld16(qi + xs), ld16(qi + 2 * xs), ld16(qi + 3 * xs), tmp + i * 2, 1);
            }
            for (int col = 0; col < m; ++col) {
                v16 y[6];
                if (m == 6) at8(tmp[col], tmp[6 + col], tmp[12 + col], tmp[18 + col], tmp[24 + col], tmp[30 + col],
                                tmp[36 + col], tmp[42 + col], y, 1);
                else if (m == 4) at6(tmp[col], tmp[4 + col], tmp[8 + col], tmp[12 + col], tmp[16 + col], tmp[20 + col], y, 1);
                else at4(tmp[col], tmp[2 + col], tmp[4 + col], tmp[6 + col], y, 1);
                for (int a = 0; a < m; ++a) {
                    v16 x = y[a] + b;
                    if (relu) x = relu16(x, zero);
                    st16(o + (long)(a * m + col) * ps + t, x);
                }
            }
        }
        if (g->pool_height > 0 || g->pool_width > 0) WFN(scatter_pool)(g, co, cout, first, count, o, ps, output, m);
        else WFN(scatter)(g, co, cout, first, count, o, ps, output, m);
    }
}

#undef WFN
#undef WINO_STORE_V
#undef WINO_XCAT
#undef WINO_CAT
