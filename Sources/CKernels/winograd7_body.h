// The per-ISA half of winograd7.c: the input, weight and output transforms of F(2x2, 7x7).
// Included once per instruction set by winograd7.c with W7_SUFFIX (function name suffix) and
// W7_TARGET (a target attribute, or nothing).

#define W7_CAT(a, b) a##b
#define W7_XCAT(a, b) W7_CAT(a, b)
#define W7FN(name) W7_XCAT(name, W7_SUFFIX)

/// V = B^T d B for channels [c0, c1) of every tile of the group, at V[ξ][t / nr][c][t % nr]
/// (tp·C_in floats per ξ; the columns of tiles past the group's end are zeros). One tile's rows
/// are vectors over its 8 columns; the column transform runs on the transposed result.
W7_TARGET static void W7FN(inputs7)(const struct fcn_winograd7_geometry *g, long cin, long c0, long c1,
                                    long first, long tiles, long nr, float *v) {
    const long tp = panel_tiles(tiles), per_image = g->tiles_y * g->tiles_x, plane = tp * cin;
    for (long c = c0; c < c1; ++c) {
        for (long t = 0; t < tp; ++t) {
            float *dst = v + (t / nr) * cin * nr + c * nr + t % nr;
            if (t >= tiles) {
                for (int xi = 0; xi < 64; ++xi) dst[xi * plane] = 0.0f;
                continue;
            }
            const long tile = first + t, n = tile / per_image, r = tile % per_image;
            const long y0 = 2 * (r / g->tiles_x) - g->pad_h, x0 = 2 * (r % g->tiles_x) - g->pad_w;
            const float *src = g->input + n * g->image_stride + c * g->plane_stride;
            const int inside = x0 >= 0 && x0 + 8 <= g->width;
            v8 d[8];
            for (int k = 0; k < 8; ++k) {
                const long iy = y0 + k;
                if (iy < 0 || iy >= g->height) {
                    d[k] = (v8){0};
                } else if (inside) {
                    d[k] = ld8(src + iy * g->row_stride + x0);
                } else {
                    float row[8];
                    for (int j = 0; j < 8; ++j) {
                        const long ix = x0 + j;
                        row[j] = ix >= 0 && ix < g->width ? src[iy * g->row_stride + ix] : 0.0f;
                    }
                    d[k] = ld8(row);
                }
            }
            v8 rows[8];
            bt8(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], v8, rows, 1);   // rows[i][l] = (B^T d)[i][l]
            float tr[8][8];
            for (int i = 0; i < 8; ++i)
                for (int l = 0; l < 8; ++l) tr[l][i] = rows[i][l];
            v8 cols[8];
            bt8(ld8(tr[0]), ld8(tr[1]), ld8(tr[2]), ld8(tr[3]), ld8(tr[4]), ld8(tr[5]), ld8(tr[6]), ld8(tr[7]),
                v8, cols, 1);                                                       // cols[j][i] = V[i][j]
            for (int i = 0; i < 8; ++i)
                for (int j = 0; j < 8; ++j) dst[(i * 8 + j) * plane] = cols[j][i];
        }
    }
}

/// U = G g G^T for output channels [co0, co0 + rows) and input channels [c0, c0 + depth), 16
/// output channels per vector, each U[ξ] stored as the packed left operand of
/// fcn_sgemm_prepacked (rows x depth in mr-row panels, `us` floats apart; depth is at most the
/// GEMM's depth block). Panel rows past the block's channels get zeros. With 8-row panels (the
/// AVX-512 kernel) each half vector is one panel's column; other heights go through `staged`
/// (one input channel's U for all 32 rows), copied out a panel column at a time.
W7_TARGET static void W7FN(weights7)(const float *lanes, long cin, long co0, long rows, long c0, long depth,
                                     int mr, float *u, long us) {
    const long mpad = round_up(rows, mr), groups = (rows + 15) / 16;
    _Alignas(64) float staged[64][40];
    if (mr != 8) memset(staged, 0, sizeof staged);
    for (long ci = c0; ci < c0 + depth; ++ci) {
        float *base = u + (ci - c0) * mr;
        for (long lg = 0; lg < groups; ++lg) {
            const float *w = lanes + ((co0 / 16 + lg) * cin + ci) * 49 * 16;
            // The weights stream from memory (411 MB per run of fc6): ask for channel ci + 2's
            // while this one is transformed (measured: the transform 15-25% faster).
            if (ci + 2 < cin)
                for (int k = 0; k < 49; ++k) __builtin_prefetch(w + 2 * 49 * 16 + k * 16, 0, 3);
            const long r0 = lg * 16;
            v16 t[8][7];                                            // G g: t[a][c]
            for (int c = 0; c < 7; ++c) {
                v16 col[8];
                g7(ld16(w + c * 16), ld16(w + (7 + c) * 16), ld16(w + (14 + c) * 16), ld16(w + (21 + c) * 16),
                   ld16(w + (28 + c) * 16), ld16(w + (35 + c) * 16), ld16(w + (42 + c) * 16), v16, col, 1);
                for (int a = 0; a < 8; ++a) t[a][c] = col[a];
            }
            for (int a = 0; a < 8; ++a) {
                v16 ub[8];
                g7(t[a][0], t[a][1], t[a][2], t[a][3], t[a][4], t[a][5], t[a][6], v16, ub, 1);
                for (int b = 0; b < 8; ++b) {
                    if (mr == 8) {
                        float *dst = base + (long)(a * 8 + b) * us;
                        st8lo(dst + r0 / 8 * depth * 8, ub[b]);
                        if (r0 + 8 < mpad) st8hi(dst + (r0 / 8 + 1) * depth * 8, ub[b]);
                    } else {
                        st16(&staged[a * 8 + b][r0], ub[b]);
                    }
                }
            }
        }
        if (mr == 8) continue;   // stored above (8 divides 16: no panel row past the lane groups)
        for (int xi = 0; xi < 64; ++xi) {
            float *dst = base + xi * us;
            const float *src = staged[xi];
            for (long p = 0; p < mpad / mr; ++p) {
                switch (mr) {
                case 6: memcpy(dst + p * depth * 6, src + p * 6, 6 * sizeof(float)); break;
                case 4: memcpy(dst + p * depth * 4, src + p * 4, 4 * sizeof(float)); break;
                default: memcpy(dst + p * depth * mr, src + p * mr, (size_t)mr * sizeof(float)); break;
                }
            }
        }
    }
}

/// Y = A^T M A for output channels [co0, co0 + rows) on 16 tiles at a time, + bias, ReLU, then
/// each tile's 2x2 outputs written where they lie inside the output.
W7_TARGET static void W7FN(outputs7)(const struct fcn_winograd7_geometry *g, long cout, long co0, long rows,
                                     long first, long tiles, const float *mm, long ldm, const float *bias,
                                     int relu, float *output) {
    const long per_image = g->tiles_y * g->tiles_x, oh = g->out_height, ow = g->out_width, plane = oh * ow;
    const v16 zero = {0};
    for (long r = 0; r < rows; ++r) {
        const long co = co0 + r;
        const v16 b = splat16(bias ? bias[co] : 0.0f);
        for (long t0 = 0; t0 < tiles; t0 += 16) {
            const float *m = mm + r * ldm + t0;
            const long xs = FCN_WINOGRAD7_BLOCK * ldm;   // floats between positions
            v16 top[8], bottom[8];
            for (int j = 0; j < 8; ++j) {
                v16 o[2];
                at8(ld16(m + j * xs), ld16(m + (8 + j) * xs), ld16(m + (16 + j) * xs), ld16(m + (24 + j) * xs),
                    ld16(m + (32 + j) * xs), ld16(m + (40 + j) * xs), ld16(m + (48 + j) * xs), ld16(m + (56 + j) * xs),
                    v16, o, 1);
                top[j] = o[0];
                bottom[j] = o[1];
            }
            v16 y[4];
            at8(top[0], top[1], top[2], top[3], top[4], top[5], top[6], top[7], v16, y, 1);
            at8(bottom[0], bottom[1], bottom[2], bottom[3], bottom[4], bottom[5], bottom[6], bottom[7], v16, y + 2, 1);
            for (int q = 0; q < 4; ++q) {
                y[q] += b;
                if (relu) y[q] = relu16(y[q], zero);
            }
            const long count = tiles - t0 < 16 ? tiles - t0 : 16;
            for (long l = 0; l < count; ++l) {
                const long tile = first + t0 + l, n = tile / per_image, rr = tile % per_image;
                const long oy = 2 * (rr / g->tiles_x), ox = 2 * (rr % g->tiles_x);
                float *o = output + (n * cout + co) * plane + oy * ow + ox;
                const int right = ox + 1 < ow, below = oy + 1 < oh;
                o[0] = y[0][l];
                if (right) o[1] = y[1][l];
                if (below) {
                    o[ow] = y[2][l];
                    if (right) o[ow + 1] = y[3][l];
                }
            }
        }
    }
}

#undef W7FN
#undef W7_XCAT
#undef W7_CAT
