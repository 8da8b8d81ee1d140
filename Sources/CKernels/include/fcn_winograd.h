// fcn_winograd: one chunk of a Winograd F(m x m, 3 x 3) convolution (m = 2, 4 or 6) on fcngc's
// GEMM: input transform of every channel, alpha² products with the packed transformed weights,
// output transform with bias and ReLU, optionally followed by a fused 2x2 stride-2 max pool.
// Transforms run on 16 tiles at a time, compiled for AVX-512, AVX2 and the baseline ISA (target
// attributes) and chosen with the GEMM's micro-kernel (fcn_gemm_isa). The caller (FCNRuntime's
// winogradConv2d) splits the tiles over threads and chunks; see winograd.c for the algorithm.
#ifndef FCN_WINOGRAD_H
#define FCN_WINOGRAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where the tiles are. A dilated conv (dilation d) is d_h x d_w undilated ones, on the sub-grids
/// of every d-th row and column (sub-grid (ry, rx): output rows ry + d_h·Y, columns rx + d_w·X,
/// ceil((OH - ry) / d_h) x ceil((OW - rx) / d_w) outputs). Each sub-grid has its own tile grid,
/// ceil(its rows / m) x ceil(its columns / m) tiles (none when it is empty: d > OH or OW); tiles
/// are numbered row-major over images, sub-grids, tile rows and tile columns
/// (fcn_winograd_image_tiles per image; outputs of a last partial tile past the sub-grid are dropped).
struct fcn_winograd_geometry {
    const float *input;                              // element (0, 0, 0, 0) of the input window
    long image_stride, plane_stride, row_stride;     // floats between images, channels, rows
    long height, width;                              // the input window
    long pad_h, pad_w;
    long out_height, out_width;                      // output planes are dense, NCHW
    long dil_h, dil_w;                               // dilation (1: none)
    int m;                                           // output tile side: 2, 4 or 6 (6: no fused pool)
    long pool_height, pool_width;  // 0: no pooling; else a 2x2 stride-2 max pool of the conv output (after bias and ReLU) is written instead, output planes pool_height x pool_width
};

/// Tiles of one image: (Σ_ry tile rows of sub-grid row ry) x (Σ_rx tile columns of sub-grid column rx).
long fcn_winograd_image_tiles(const struct fcn_winograd_geometry *g);

/// Floats of scratch one chunk of up to `tiles` tiles needs (alignment slack included).
size_t fcn_winograd_scratch_floats(int m, long in_channels, long out_channels, long tiles);

/// Tiles [first_tile, first_tile + tiles) of the convolution: output (batch, C_out, OH, OW) =
/// conv3x3(input) + bias (may be NULL), then ReLU if relu != 0. With a pool size set, output
/// (batch, C_out, pool_height, pool_width) = its 2x2 stride-2 max pool instead: pooled row py
/// covers conv rows 2py and 2py + 1 (columns likewise), a window reaching past the conv output
/// takes the maximum of the outputs inside it; pool sizes must be ceil or floor of OH/2, OW/2,
/// and the conv undilated (abort() otherwise, as for an empty output or a negative first tile).
/// Each pooling window lies inside one tile (m even).
/// `packed_u` holds alpha² matrices U[ξ] (C_out x C_in, packed by fcn_gemm_pack_a under the
/// current micro-kernel), `packed_floats` apart. `scratch` holds fcn_winograd_scratch_floats(m,
/// …, tiles) floats (the same with or without pooling).
void fcn_winograd_chunk(const struct fcn_winograd_geometry *g, long in_channels, long out_channels,
                        const float *packed_u, size_t packed_floats, long first_tile, long tiles,
                        const float *bias, int relu, float *output, float *scratch);

/// Floats of scratch a chunk of up to `tiles` tiles whose stages `parts` threads share needs: the
/// transformed inputs and products once, row buffers per thread (parts = 1: fcn_winograd_scratch_floats).
size_t fcn_winograd_split_scratch_floats(int m, long in_channels, long out_channels, long tiles, int parts);

/// The units stage `stage` of a chunk is split into: input channels (0), positions ξ, (m + 2)² (1),
/// output channels (2).
long fcn_winograd_stage_units(int m, long in_channels, long out_channels, int stage);

/// Units [lo, hi) of one stage of a chunk whose stages are shared by up to `slots` threads, so
/// that the chunk's products read the transformed weights once in all: stage 0, the input
/// transform of input channels [lo, hi); stage 1, the products of positions ξ in [lo, hi);
/// stage 2, the output transform of output channels [lo, hi). Stage s must be finished for all
/// units before stage s + 1 starts for any. Concurrent calls use different `slot`s (their row
/// buffers) of the same `scratch` of fcn_winograd_split_scratch_floats(m, …, tiles, slots)
/// floats. Each output value is computed exactly as by fcn_winograd_chunk, however the units
/// are split.
void fcn_winograd_chunk_stage(const struct fcn_winograd_geometry *g, long in_channels, long out_channels,
                              const float *packed_u, size_t packed_floats, long first_tile, long tiles,
                              const float *bias, int relu, float *output, float *scratch,
                              int stage, int slot, int slots, long lo, long hi);

/// Sets the size above which a chunk's transformed inputs V are stored past the caches
/// (non-temporal stores; 16 MiB unless set; values are the same either way), returns the size before.
/// For tests and tuning: a process sets it before any convolution runs.
long fcn_winograd_set_stream_bytes(long bytes);

#ifdef __cplusplus
}
#endif

#endif
