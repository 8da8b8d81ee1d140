// The per-ISA pooled scatter of winograd_body.h (included by it, with its WFN and ISA macros): a
// 2x2 stride-2 max pool of one output channel's phase rows O[a][b][t] (after bias and ReLU),
// written to the pooled plane instead of the conv output. The conv is undilated and tiles start
// at output (0, 0) with m even, so tile t's m x m outputs hold the whole windows of its m/2 x m/2
// pooled outputs: pooled row ty·m/2 + a, column (tx + t)·m/2 + c of the segment's tile row.

/// max(a, b) per lane as the runtime's max pool combines values: `b >= a ? b : a` (a NaN in a stays).
#define WINO_VMAX(a, b) ((v16)(((v16i)(a) & ~(v16i)((b) >= (a))) | ((v16i)(b) & (v16i)((b) >= (a)))))

/// The pooled value of tile t (at `t` of phase rows r0, r1: conv rows 2a and 2a + 1, r1 == r0 when
/// 2a + 1 is past the output), pooled column c of the tile, conv columns 2c and 2c + 1 (`pair`: both
/// inside the output, else 2c alone).
static inline float WFN(pool_one)(const float *r0, const float *r1, long ps, long t, int c, int pair) {
    float v = r0[2 * c * ps + t], w = r1[2 * c * ps + t];
    v = w >= v ? w : v;
    if (pair) {
        float x = r0[(2 * c + 1) * ps + t], y = r1[(2 * c + 1) * ps + t];
        x = y >= x ? y : x;
        v = x >= v ? x : v;
    }
    return v;
}

/// Pooled output of one output channel's phase rows to its pooled plane (pool_height x pool_width),
/// dropping pooled rows and columns past it; a window reaching past the conv output's last column
/// (odd width, ceil rounding) takes that column alone, past its last row that row alone.
WINO_TARGET static inline __attribute__((always_inline))
void WFN(scatter_pool)(const struct fcn_winograd_geometry *g, long co, long cout, long first, long count,
                       const float *o, long ps, float *output, const int m) {
    const long oh = g->out_height, ow = g->out_width, ph = g->pool_height, pw = g->pool_width;
    const int h = m / 2;   // pooled outputs per tile side
    struct segments it = segments_of(g, first, first + count);
    for (struct segment sg; segment_next(&it, &sg);) {
        const long len = sg.len, off = sg.off, tx = sg.tx;
        float *plane = output + (sg.n * cout + co) * ph * pw;
        long full = (pw - tx * h) / h;                  // tiles with all h pooled columns inside
        if (full > len) full = len;
        if (full < 0) full = 0;
        // The pooled column whose window passes the conv output's last column, as a tile and its column.
        const long edge = 2 * pw > ow ? pw - 1 - tx * h : -1;
        const long edge_t = edge >= 0 ? edge / h : -1;
        for (int a = 0; a < h; ++a) {
            const long py = sg.ty * h + a;
            if (py >= ph) break;
            const float *r0 = o + (long)(2 * a) * m * ps + off;
            const float *r1 = 2 * py + 1 < oh ? r0 + (long)m * ps : r0;
            float *dst = plane + py * pw + tx * h;
            long t = 0;
            for (; t < full; t += 16) {
                // 16 tiles' h pooled values each, interleaved into 16h pooled columns; a last group
                // with fewer whole tiles goes through a buffer.
                float buf[32];
                float *d = t + 16 <= full ? dst + t * h : buf;
                if (m == 4) {
                    v16 c0 = WINO_VMAX(ld16(r0 + t), ld16(r1 + t)), c1 = WINO_VMAX(ld16(r0 + ps + t), ld16(r1 + ps + t));
                    v16 c2 = WINO_VMAX(ld16(r0 + 2 * ps + t), ld16(r1 + 2 * ps + t));
                    v16 c3 = WINO_VMAX(ld16(r0 + 3 * ps + t), ld16(r1 + 3 * ps + t));
                    v16 p0 = WINO_VMAX(c0, c1), p1 = WINO_VMAX(c2, c3);
                    st16(d, __builtin_shufflevector(p0, p1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
                    st16(d + 16, __builtin_shufflevector(p0, p1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
                } else {
                    v16 c0 = WINO_VMAX(ld16(r0 + t), ld16(r1 + t)), c1 = WINO_VMAX(ld16(r0 + ps + t), ld16(r1 + ps + t));
                    st16(d, WINO_VMAX(c0, c1));
                }
                if (d == buf) memcpy(dst + t * h, buf, sizeof(float) * (size_t)((full - t) * h));
            }
            t = full;
            for (; t < len; ++t)   // the segment's last tile, partly inside the pooled row
                for (int c = 0; c < h && (tx + t) * h + c < pw; ++c)
                    dst[t * h + c] = WFN(pool_one)(r0, r1, ps, t, c, 2 * ((tx + t) * h + c) + 1 < ow);
            if (edge_t >= 0 && edge_t < len)   // its window's second column is past the conv output
                dst[edge] = WFN(pool_one)(r0, r1, ps, edge_t, (int)(edge % h), 0);
        }
    }
}

#undef WINO_VMAX
